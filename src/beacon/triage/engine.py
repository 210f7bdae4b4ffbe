"""The triage engine: loaded once, then `triage(text)` per message."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from beacon.triage.analysis import LexiconEvidence, analyse_words
from beacon.triage.combine import ModelView, combine_with_model, read_model
from beacon.triage.language import LanguageGate
from beacon.triage.lexicon import Lexicon, load_lexicon
from beacon.triage.places import PlaceFinder
from beacon.triage.policy import (
    Decision,
    apply_language_rule,
    apply_safety_rules,
    category_priority,
    decide_from_lexicon,
)
from beacon.triage.result import TriageResult
from beacon.triage.text import normalise, tokens
from beacon.triage.thrive import thrive

if TYPE_CHECKING:
    from beacon.messages import Place
    from beacon.triage.model import TextModel


_NO_EVIDENCE = LexiconEvidence()  # a category's own priority, without "now"/"earlier" cues
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
        view = read_model(self.model, text, normalised) if self.model is not None else None
        if view is not None:
            combine_with_model(decision, evidence, view, self.version)
        apply_safety_rules(decision, evidence)
        foreign_alarm = any(alarm not in _ENGLISH_ALARMS for alarm in evidence.alarms)
        guess = self.language_gate.guess(text, language, foreign_alarm)
        if not guess.covered:
            apply_language_rule(decision, guess.code, evidence.alarms)
        found, how = self.places.find(text, place, words)
        if found:
            decision.reasons.append({"kind": "place", "detail": f"{how}: {found}", "method": how})
        decision.reasons.append({"kind": "language", "detail": f"{guess.code} by {guess.method}",
                                 "language": guess.code, "covered": guess.covered})
        return self._result(decision, evidence.past, found, guess.code, view)

    def _result(self, decision: Decision, past: bool, place: dict | None, language: str | None,
                view: ModelView | None) -> TriageResult:
        severities = {slug: category_priority(self.lexicon, _NO_EVIDENCE, slug)
                      for slug in decision.categories if slug in self.lexicon.categories}
        categories = sorted(decision.categories, key=lambda slug: -decision.categories[slug])
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
