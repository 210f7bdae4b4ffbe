"""Combining the lexicon with a text model, safety first, using a stub model whose opinion is fixed."""

from __future__ import annotations

import numpy as np
import pytest

from beacon.triage import TriageEngine
from beacon.triage.model import TextModel


def fixed_model(label: str) -> TextModel:
    """A model that always answers `label` with probability ~0.97, whatever the text."""
    classes = ["Critical", "High", "Low", "Medium"]
    intercept = np.array([5.0 if name == label else 0.0 for name in classes])
    return TextModel(classes, {"unused": 0}, np.ones(1), np.zeros((4, 1)), intercept,
                     {"version": f"always-{label}"})


def engine_with(label: str, lexicon_engine) -> TriageEngine:
    return TriageEngine(lexicon_engine.lexicon, lexicon_engine.places, fixed_model(label))


def rules(result) -> list[str]:
    return [reason["rule"] for reason in result.reasons if reason["kind"] == "rule"]


def test_model_cannot_lower_a_strong_threat_to_a_person(lexicon_engine):
    """Safety first: a model sure it is routine (Low 0.98) does not lower "going to kill me"."""
    result = engine_with("Low", lexicon_engine).triage("he says he is going to kill me")
    assert result.priority == "P1"
    assert "model_may_not_lower" in rules(result)


def test_model_lowers_weaker_harm_one_level_and_never_below_p2(lexicon_engine):
    result = engine_with("Low", lexicon_engine).triage("a man has been following me for 20 minutes")
    assert result.priority == "P2"


def test_a_past_burglary_gets_no_threat_to_life_floor(lexicon_engine):
    result = engine_with("Low", lexicon_engine).triage("we were burgled last month, can I get a crime number")
    assert result.priority in ("P3", "P4")
    assert "threat_to_life_floor" not in rules(result)


@pytest.mark.parametrize("text", [
    "my neighbour is being stabbed right now please send someone",
    "he is beating her right now and she is bleeding badly",
])
def test_harm_happening_now_stays_p1_whatever_the_model_says(lexicon_engine, text):
    """A stabbing in progress came out P2: a model trained on disaster tweets lowered it to the
    threat-to-life floor. A control room answers it as an emergency."""
    result = engine_with("Low", lexicon_engine).triage(text)
    assert result.priority == "P1"
    assert "happening_now" in rules(result)


def test_3am_cannot_phone_stays_p1_whatever_the_model_says(lexicon_engine):
    result = engine_with("Low", lexicon_engine).triage(
        "its 3am, I cant phone, hes in the house and I am scared. please help")
    assert result.priority == "P1"


def test_model_grades_what_the_lexicon_does_not_know(lexicon_engine):
    result = engine_with("High", lexicon_engine).triage("the old bridge on the river looks odd")
    assert result.priority == "P2"
    assert result.label == "High" and result.label_scores["High"] > 0.9


def test_model_can_raise_a_lexicon_grade(lexicon_engine):
    result = engine_with("Critical", lexicon_engine).triage("my bike was stolen")
    assert result.priority == "P1"
    assert "model_raised" in rules(result)


def test_model_can_lower_a_broadcast_mention(lexicon_engine):
    result = engine_with("Low", lexicon_engine).triage("thoughts with everyone affected by the shooting")
    assert result.priority in ("P3", "P4")
    assert "model_lowered" in rules(result)


@pytest.mark.parametrize("label", ["Low", "Critical"])
def test_uncovered_language_is_never_p4_even_with_a_model(lexicon_engine, label):
    result = engine_with(label, lexicon_engine).triage(
        "Dzień dobry, chciałbym zapytać o godziny otwarcia komisariatu w centrum")
    assert result.needs_human and result.priority != "P4"


def test_the_model_probabilities_are_in_the_reasons(lexicon_engine):
    result = engine_with("Medium", lexicon_engine).triage("road closed")
    model_reasons = [reason for reason in result.reasons if reason["kind"] == "model"]
    assert model_reasons and model_reasons[0]["probabilities"]["Medium"] > 0.9
    assert "always-Medium" in result.model_version


def test_shipped_model_loads_and_grades():
    engine = TriageEngine.load()
    assert engine.model is not None and engine.model.predicts_priority
    result = engine.triage("people trapped on the roof, water rising, need rescue now")
    assert result.priority in ("P1", "P2")
