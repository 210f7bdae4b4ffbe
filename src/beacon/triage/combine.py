"""Step 5 of the policy: combine the lexicon's grade with the text model's, safety first.

* The model grades the message from its class probabilities: the expected TREC-IS score
  (Critical 1, High 0.75, Medium 0.5, Low 0.25) against thresholds stored with the model.
  Its most urgent sentence sets that grade; the whole message's expected score orders messages
  within a grade (`ModelView.ranking`, the urgency's share from the model).
* If the lexicon found nothing, the model's grade stands.
* The model may raise a lexicon grade (`model_raised`).
* A P1 harm grade with a strong harm phrase said to be happening now is not lowered at all
  (`happening_now`): "being stabbed right now" is an emergency whatever a model trained on
  disaster tweets, where such words are mostly news, makes of it.
* The model may lower a lexicon grade by at most `MAX_LOWER` levels (`model_lowered`), and never
  below P2 when the lexicon saw a clear threat-to-life, violence, self-harm, domestic-abuse,
  fire or burglary signal, or such a P1 grade said to be happening now (`threat_to_life_floor`). Broadcast posts ("shooting downtown, stay safe") are graded
  mostly by the model; a person describing harm to themselves or others keeps P2 at least.
Safety rules that come later in the policy (vulnerability, de-escalation, language) still apply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from beacon.triage.analysis import LexiconEvidence
from beacon.triage.model import PRIORITY_LABELS, TextModel
from beacon.triage.policy import HARM_NOW, STRONG_THREAT, Decision
from beacon.triage.result import PRIORITIES, less_urgent, more_urgent, shift

GAIN = {"P1": 1.0, "P2": 0.75, "P3": 0.5, "P4": 0.25}
DEFAULT_THRESHOLDS = {"P1": 0.8, "P2": 0.5, "P3": 0.4}
MAX_LOWER = 3
# The model may lower a grade of harm to a person only when it gives P3+P4 at least this much:
# a missed emergency costs far more than a false alarm.
LOWER_CONFIDENCE = 0.9
# Categories whose clear signal (score >= STRONG_THREAT) the model may never grade below P2.
FLOOR_CATEGORIES = ("threat_to_life", "violence_weapons", "self_harm", "domestic_abuse",
                    "fire_explosion", "crime.burglary")


@dataclass(frozen=True)
class ModelView:
    label: str
    label_scores: dict[str, float]
    priority: str | None  # None when the model does not predict priorities
    expected: float  # expected score in [0.25, 1]; 0 when not a priority model
    threshold: float | None = None  # the threshold the expected score met for `priority`
    reading: Any = None  # a SemanticReading: the deciding sentence and the label heads
    # The expected score of the whole message, which orders messages within a grade: the most
    # urgent sentence sets the grade (safety), but ranking by it puts every multi-sentence news
    # post above the short reports of the same event (TREC-IS cross-validation: nDCG@100 of the
    # encoder 0.685 by its most urgent unit, 0.702 by the whole message).
    whole_expected: float | None = None

    @property
    def ranking(self) -> float:
        return self.expected if self.whole_expected is None else self.whole_expected

    @property
    def low_confidence(self) -> float:
        """The model's probability that the message is routine (P3 or P4)."""
        return sum(p for name, p in self.label_scores.items()
                   if PRIORITY_LABELS.get(name.lower()) in ("P3", "P4"))


def read_model(model: TextModel, text: str, normalised: str | None = None) -> ModelView:
    """The model's grade; `normalised` is `normalise(text)` when the caller already has it."""
    reading = whole = None
    if hasattr(model, "read"):  # the meaning model reads the raw text, sentence by sentence
        reading = model.read(text)
        other = _blend_reading(model, text, reading.units)
        scores = _blend(model, reading.scores, other and other.scores)
        whole = _blend(model, _unit_scores(reading, 0), other and _unit_scores(other, 0))
    else:
        scores = model.scores(text) if normalised is None else model.scores_of_normalised(normalised)
    if not model.predicts_priority:
        return ModelView(max(scores, key=scores.__getitem__), scores, None, 0.0, reading=reading)
    view = _view(scores, model.meta.get("thresholds", {}), model.meta.get("decision"), reading)
    return view if whole is None else replace(view, whole_expected=_expected(whole))


def blend_readers(model, encoder_scores: dict[str, float], text: str, pieces: list[str] | None = None
                  ) -> dict[str, float]:
    """The encoder's priority probabilities averaged with the character reader's, when the model
    was trained with a weight for it (`surface_weight`). The two fail differently: the encoder
    knows that "took all my tablets" and "swallowed the pills" mean one thing but blurs a long
    message into its average; the reader keeps the exact words and their misspellings. Measured
    on writers held out of training, the blend catches more and false-alarms less than either.
    `pieces`: the message's units as the encoder cut them, so they are not cut twice."""
    other = _blend_reading(model, text, pieces)
    return _blend(model, encoder_scores, other and other.scores)


def _blend_reading(model, text: str, pieces: list[str] | None):
    """The character reader's reading of the message, when the model blends one in."""
    reader = getattr(model, "blend_reader", None)
    if not float(model.meta.get("surface_weight", 0.0)) or reader is None:
        return None
    return reader.read(text) if pieces is None else reader.read_units(pieces)


def _blend(model, encoder_scores: dict[str, float], other: dict[str, float] | None) -> dict[str, float]:
    if other is None:
        return encoder_scores
    weight = float(model.meta.get("surface_weight", 0.0))
    return {label: (1 - weight) * p + weight * other.get(label, 0.0) for label, p in encoder_scores.items()}


def _unit_scores(reading, unit: int) -> dict[str, float]:
    """Priority probabilities of one unit (0: the whole message) of an encoder or reader reading."""
    labels = reading.model.priority.labels
    return {label: float(p) for label, p in zip(labels, reading.probabilities[unit], strict=True)}


def _expected(scores: dict[str, float]) -> float:
    return sum(GAIN[PRIORITY_LABELS[name.lower()]] * p for name, p in scores.items())


def read_other_language(model, text: str) -> ModelView:
    """The meaning model's character reader (`surface.py`), for a language its encoder does not
    know; graded with that reader's own thresholds."""
    reading = model.surface.read(text)
    return _view(reading.scores, model.meta.get("surface_thresholds", {}), "cumulative", reading)


def _view(scores: dict[str, float], thresholds: dict, decision: str | None, reading: Any) -> ModelView:
    label = max(scores, key=scores.__getitem__)
    expected = _expected(scores)
    thresholds = {**DEFAULT_THRESHOLDS, **thresholds}
    if decision == "cumulative":
        # P(this level or more urgent) against each level's threshold: "P3 0.63" stays P3 even
        # when a tail of P1 probability lifts the expected score.
        by_level = {PRIORITY_LABELS[name.lower()]: p for name, p in scores.items()}
        at_least = {level: sum(by_level.get(more, 0.0) for more in ("P1", "P2", "P3")[:i + 1])
                    for i, level in enumerate(("P1", "P2", "P3"))}
        priority = next((level for level in ("P1", "P2", "P3") if at_least[level] >= thresholds[level]), "P4")
    else:
        priority = next((level for level in ("P1", "P2", "P3") if expected >= thresholds[level]), "P4")
    return ModelView(label, scores, priority, expected, thresholds.get(priority), reading)


def combine_with_model(decision: Decision, evidence: LexiconEvidence, view: ModelView,
                       version: str, *, may_lower: bool = True) -> None:
    """`may_lower=False` for the character reader of another language: it is trained on far
    fewer rows than the encoder's heads, so it may raise a grade but never lower one."""
    probabilities = ", ".join(f"{k} {v:.2f}" for k, v in sorted(view.label_scores.items()))
    decision.reasons.append({"kind": "model", "detail": f"{version}: {probabilities}",
                             "model_version": version, "probabilities": view.label_scores,
                             "label": view.label})
    if view.priority is None:
        return
    model_strength = (view.ranking - 0.25) / 0.75
    lexicon_priority = decision.priority
    if not decision.categories:
        decision.priority, decision.strength = view.priority, model_strength
        decision.decided_by = "model"
        return
    decision.strength = 0.5 * decision.strength + 0.5 * model_strength
    if PRIORITIES.index(view.priority) < PRIORITIES.index(lexicon_priority):
        decision.rule("model_raised", f"model grades {view.priority} (threshold {view.threshold},"
                      f" expected score {view.expected:.2f})", view.priority)
    elif PRIORITIES.index(view.priority) > PRIORITIES.index(lexicon_priority) and not may_lower:
        decision.reasons.append({"kind": "model_kept", "detail": f"the character reader grades {view.priority};"
                                 f" it may raise a grade, never lower one: {lexicon_priority} stands"})
    elif PRIORITIES.index(view.priority) > PRIORITIES.index(lexicon_priority):
        if _harm_happening_now(evidence, lexicon_priority):
            decision.rule("happening_now", "harm said to be happening now: the model may not lower it",
                          lexicon_priority)
            return
        if _harm_to_a_person(evidence):
            _lower_harm_to_a_person(decision, evidence, view, lexicon_priority)
            return
        lowered = less_urgent(shift(lexicon_priority, MAX_LOWER), lexicon_priority)
        lowered = more_urgent(lowered, view.priority)
        clear = _clear_harm(evidence, lexicon_priority)
        if clear and lowered in ("P3", "P4"):
            decision.rule("threat_to_life_floor", "clear threat to life: never below P2", "P2")
        else:
            decision.rule("model_lowered", f"model grades {view.priority}", lowered)


def _lower_harm_to_a_person(decision: Decision, evidence: LexiconEvidence, view: ModelView,
                            lexicon_priority: str) -> None:
    """Harm to a person: an emergency phrase ("strangling", "overdose", "won't let me leave", or
    a strong phrase of a P1 category, "going to kill me") is not lowered; otherwise the model lowers one level at most, only when it is sure the message is
    routine, and never below P2."""
    emergency_terms = [match.term.phrase for match in _harm_matches(evidence)
                       if match.term.priority == "P1" or (lexicon_priority == "P1" and match.weight >= STRONG_THREAT)]
    if emergency_terms or view.low_confidence < LOWER_CONFIDENCE:
        why = (f"emergency phrase {emergency_terms[0]!r}" if emergency_terms else
               f"the model is not sure it is routine (P3+P4 {view.low_confidence:.2f} < {LOWER_CONFIDENCE})")
        decision.rule("model_may_not_lower", f"harm to a person; {why}", lexicon_priority)
        return
    lowered = more_urgent(shift(lexicon_priority, 1), "P2")
    decision.rule("model_lowered", f"model grades {view.priority} (P3+P4 {view.low_confidence:.2f}); "
                  "harm to a person is lowered one level at most, never below P2", lowered)


def _harm_matches(evidence: LexiconEvidence) -> list:
    return [match for match in evidence.matches
            if match.weight >= 0.5 and not match.reported and match.term.group == "category"
            and match.term.name in HARM_NOW]


def _harm_to_a_person(evidence: LexiconEvidence) -> bool:
    """A harm category found, not said to be in the past, not banter, not in a news report."""
    if evidence.banter or (evidence.past and not evidence.in_progress):
        return False
    return bool(_harm_matches(evidence))


def _clear_harm(evidence: LexiconEvidence, lexicon_priority: str) -> bool:
    """A strong harm phrase, or a P1 harm grade said to be happening now; never for harm the
    message says happened earlier (a burglary last month is not a threat to life)."""
    if evidence.past and not evidence.in_progress:
        return False
    score = _harm_score(evidence)
    return score >= STRONG_THREAT or (lexicon_priority == "P1" and evidence.in_progress and score >= 0.5)


def _harm_happening_now(evidence: LexiconEvidence, lexicon_priority: str) -> bool:
    """A P1 harm grade with a strong harm phrase and a cue that it is happening now."""
    return lexicon_priority == "P1" and evidence.in_progress and _harm_score(evidence) >= STRONG_THREAT


def _harm_score(evidence: LexiconEvidence) -> float:
    """The strongest of the harm categories the model may not grade away."""
    return max(evidence.categories.get(slug, 0.0) for slug in FLOOR_CATEGORIES)
