"""The triage engine: loaded once, then `triage(text)` per message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from beacon.triage.analysis import LexiconEvidence, analyse_words
from beacon.triage.combine import ModelView, combine_with_model, read_model, read_other_language
from beacon.triage.language import LanguageGate
from beacon.triage.lexicon import Lexicon, load_lexicon
from beacon.triage.places import PlaceFinder
from beacon.triage.policy import (
    Decision,
    apply_harm_now,
    apply_language_rule,
    apply_safety_rules,
    apply_vulnerability_of_category,
    apply_vulnerability_rules,
    category_priority,
    decide_from_lexicon,
)
from beacon.triage.result import PRIORITIES, TriageResult
from beacon.triage.text import normalise, tokens
from beacon.triage.thrive import thrive

if TYPE_CHECKING:
    from beacon.messages import Place
    from beacon.triage.model import TextModel
    from beacon.triage.semantic import SemanticReading


_NO_EVIDENCE = LexiconEvidence()  # a category's own priority, without "now"/"earlier" cues
# Harm in another language that also says who is vulnerable (English has its own terms for them).
_HARM_IS_VULNERABILITY = ("domestic_abuse", "self_harm")
_ENGLISH_ALARMS = frozenset({"help", "sos", "999", "112", "🆘"})


class TriageEngine:
    def __init__(self, lexicon: Lexicon, places: PlaceFinder, model: TextModel | None = None) -> None:
        self.lexicon = lexicon
        self.places = places
        self.model = model
        self.language_gate = LanguageGate(lexicon.languages, _lexicon_words(lexicon))
        model_part = model.version if model else "no-model"
        self.version = f"lexicon:{lexicon.version}+model:{model_part}"

    @classmethod
    def load(
        cls,
        lexicon_path: Path | str | None = None,
        beats_path: Path | str | None = None,
        model_path: Path | str | None = None,
        *,
        use_model: bool = True,
    ) -> TriageEngine:
        """Shipped defaults for any path left as None; `use_model=False` gives the lexicon alone."""
        model = None
        if use_model:
            from beacon.triage.model import load_default_model, load_model

            model = load_model(model_path) if model_path else load_default_model()
        return cls(load_lexicon(lexicon_path), PlaceFinder.load(beats_path), model)

    def triage(self, text: str, *, language: str | None = None, place: Place | None = None
               ) -> TriageResult:
        text = text or ""
        normalised = normalise(text)  # once, for the lexicon, the model and the gazetteer
        words = tokens(normalised)
        evidence = analyse_words(self.lexicon, words)
        decision = decide_from_lexicon(self.lexicon, evidence)
        foreign_alarm = any(alarm not in _ENGLISH_ALARMS for alarm in evidence.alarms)
        guess = self.language_gate.guess(text, language, foreign_alarm)
        # The encoder knows English only: another language is read by the character reader
        # when the model has one, and that reader may raise a grade but not lower it.
        other_reader = not guess.covered and getattr(self.model, "surface", None) is not None
        view = None
        if self.model is not None:
            view = (read_other_language(self.model, text) if other_reader
                    else read_model(self.model, text, normalised))
            combine_with_model(decision, evidence, view, self.version, may_lower=not other_reader)
            if view.reading is not None:
                _add_model_labels(decision, view.reading, self.model, other_reader)
        apply_safety_rules(decision, evidence, self.lexicon.settings["category_threshold"])
        if not guess.covered:
            self._grade_other_language(decision, guess.code, words)
            apply_language_rule(decision, guess.code, evidence.alarms)
        apply_vulnerability_of_category(decision, self.lexicon.settings["category_threshold"])
        found, how = self.places.find(text, place, words)
        if found:
            decision.reasons.append({"kind": "place", "detail": f"{how}: {found}", "method": how})
        decision.reasons.append({"kind": "language", "detail": f"{guess.code} by {guess.method}",
                                 "language": guess.code, "covered": guess.covered})
        return self._result(decision, evidence.past, found, guess.code, view)

    def _grade_other_language(self, decision: Decision, code: str | None, words: list[str]) -> None:
        """Grade the harm a message in an uncovered language expresses, from that language's
        harm terms (all of them when the language is unknown); it still goes to a person."""
        others = self.lexicon.other_languages
        # The guessed language's terms first; every language's when that finds no harm, since a
        # short message is often guessed wrong ("ayuda mi marido me pega" comes out Somali).
        guessed = analyse_words(replace(self.lexicon, index=others[code]), words) if code in others else None
        per_language = ([guessed] if guessed is not None and guessed.categories else
                          [analyse_words(replace(self.lexicon, index=index), words) for index in others.values()])
        for evidence in per_language:
            found = decide_from_lexicon(self.lexicon, evidence)
            apply_harm_now(found, evidence, self.lexicon.settings["category_threshold"])
            for slug, score in found.categories.items():
                decision.categories[slug] = max(score, decision.categories.get(slug, 0.0))
                if slug in _HARM_IS_VULNERABILITY and score >= self.lexicon.settings["category_threshold"]:
                    decision.vulnerabilities.setdefault(slug, score)
            for slug, score in found.vulnerabilities.items():  # the words say who is at risk
                decision.vulnerabilities[slug] = max(score, decision.vulnerabilities.get(slug, 0.0))
                decision.suggested.pop(("vulnerabilities", slug), None)
            decision.reasons.extend(reason for reason in found.reasons if reason["kind"] != "rule")
            if PRIORITIES.index(found.priority) < PRIORITIES.index(decision.priority):
                decision.rule("harm_other_language",
                              f"harm terms in {code or 'another language'}: "
                              + ", ".join(match.term.phrase for match in evidence.matches if match.weight > 0),
                              found.priority)
                decision.strength = max(decision.strength, found.strength)
        # who is at risk, now that this language's words have said it: a child in danger, or
        # someone who cannot talk while reporting harm, raises the grade as in English
        apply_vulnerability_rules(decision)

    def _result(self, decision: Decision, past: bool, place: dict | None, language: str | None,
                view: ModelView | None) -> TriageResult:
        severities = {slug: category_priority(self.lexicon, _NO_EVIDENCE, slug)
                      for slug in decision.categories if slug in self.lexicon.categories}
        categories = sorted(decision.categories, key=lambda slug: -decision.categories[slug])
        decision.reasons.append(grade_reason(decision, view))
        return TriageResult(
            priority=decision.priority,
            urgency=round(decision.urgency, 4),
            categories=categories or ["irrelevant"],
            vulnerabilities=sorted(decision.vulnerabilities),
            risk=thrive(decision, severities, past),
            place=place,
            language=language,
            needs_human=decision.needs_human,
            reasons=decision.reasons,
            model_version=self.version,
            label=view.label if view else None,
            label_scores=view.label_scores if view else None,
        )


VULNERABILITY_THRESHOLD = 0.5
CATEGORY_THRESHOLD = 0.6


def _add_model_labels(decision: Decision, reading: SemanticReading, model, other_reader: bool) -> None:
    """Vulnerabilities and categories the meaning model finds that the lexicon did not name, each
    against the threshold chosen for it in training (a default where none was)."""
    found = []
    thresholds = getattr(model, "label_thresholds", None)
    reader = "surface" if other_reader else "encoder"
    for head, default, into in (("vulnerabilities", VULNERABILITY_THRESHOLD, decision.vulnerabilities),
                                ("categories", CATEGORY_THRESHOLD, decision.categories)):
        threshold = thresholds(head, default, reader) if thresholds else default
        for label, probability in reading.labels(head, threshold).items():
            if label not in into and label != "irrelevant":
                into[label] = probability
                decision.suggested[(head, label)] = probability
                found.append(f"{label} {probability:.2f}")
    if found:
        decision.reasons.append({"kind": "model_labels", "detail": f"the model finds {', '.join(found)}"})


def grade_reason(decision: Decision, view: ModelView | None) -> dict:
    """One reason naming what set the final grade: a rule, the model's score against its
    threshold, or the lexicon's strongest phrase."""
    by, score, threshold = decision.decided_by, None, None
    if by == "model" and view is not None:
        score, threshold = round(view.expected, 3), view.threshold
        probabilities = ", ".join(f"{k} {v:.2f}" for k, v in sorted(view.label_scores.items()))
        detail = (f"the model grades {view.priority} ({probabilities}"
                  + (f"; threshold {threshold})" if threshold is not None else "; below every threshold)"))
    elif by == "lexicon":
        phrases = [r for r in decision.reasons if r["kind"] == "lexicon" and r.get("weight", 0) > 0
                   and r.get("group") == "category"]
        strongest = max(phrases, key=lambda r: r["weight"], default=None)
        detail = (f"the phrase '{strongest['term']}' ({strongest['name']}) gives {decision.priority}"
                  if strongest else "nothing urgent found")
    else:
        last = next((r for r in reversed(decision.reasons) if r.get("rule") == by), None)
        detail = last["detail"] if last else by
    reading = view.reading if view is not None else None
    if reading is not None and reading.deciding_sentence and by in ("model", "model_raised"):
        detail += f'; the most urgent sentence: "{reading.deciding_sentence[:120]}"'
    return {"kind": "grade", "priority": decision.priority, "decided_by": by, "detail": detail,
            "score": score, "threshold": threshold}


def _lexicon_words(lexicon: Lexicon) -> set[str]:
    """Words of the covered language(s): every phrase word except the any-language alarm words."""
    return {
        word
        for terms in lexicon.index.exact.values()
        for term in terms
        if term.group != "alarm"
        for word in term.tokens
        if word.isalpha()
    }
