"""The intake-time emergency check agrees with the lexicon's own grading, without the model."""

from __future__ import annotations

import pytest

from beacon.triage import TriageEngine
from beacon.triage.quick import EmergencyCheck

TEXTS = [
    "He has a knife and is threatening people outside the Co-op",
    "my neighbour is being stabbed right now please send someone",
    "man with a gun pointing it at cars",
    "My bike was stolen from the garage last week",
    "Thanks for all your work tonight",
    "not an emergency, just wanted to say the streetlight is out",
    "",
]


@pytest.fixture(scope="module")
def check() -> EmergencyCheck:
    return EmergencyCheck.load()


@pytest.mark.parametrize("text", TEXTS)
def test_it_says_p1_exactly_when_the_lexicon_alone_grades_p1(
    check: EmergencyCheck, lexicon_engine: TriageEngine, text: str
) -> None:
    assert check(text) == (lexicon_engine.triage(text, language="en").priority == "P1")


def test_a_threat_to_life_is_flagged_and_everyday_contact_is_not(check: EmergencyCheck) -> None:
    assert check("He has a knife and is threatening people outside the Co-op")
    assert not check("My bike was stolen from the garage last week")
    assert not check("Thanks for all your work tonight")
