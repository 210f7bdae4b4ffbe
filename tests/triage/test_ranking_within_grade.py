"""The most urgent sentence sets the grade; the whole message orders messages within it."""

from __future__ import annotations

import pytest

from beacon.triage import TriageEngine
from beacon.triage.combine import read_model
from beacon.triage.policy import BAND_FLOOR

LONG_EMAIL = (
    "Hello, I am writing about the parking on Albert Street again. The vans from the garage are on "
    "the pavement every morning and my mother cannot get her wheelchair past. I have written to the "
    "council twice. Also, my neighbour's son is outside right now waving a knife at people. "
    "The bins have not been collected for two weeks either. Thank you for reading."
)


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return TriageEngine.load()


def test_a_single_sentence_is_ranked_by_the_score_that_graded_it(engine: TriageEngine) -> None:
    view = read_model(engine.model, "there is a man with a knife outside the school gates right now")
    assert view.whole_expected == pytest.approx(view.expected)
    assert view.ranking == pytest.approx(view.expected)


def test_a_long_message_is_graded_by_its_urgent_sentence_and_ranked_by_the_whole(engine: TriageEngine) -> None:
    view = read_model(engine.model, LONG_EMAIL)
    assert view.reading.deciding_sentence is not None and "knife" in view.reading.deciding_sentence
    assert view.whole_expected < view.expected  # the routine paragraphs dilute the whole
    assert view.ranking == view.whole_expected
    result = engine.triage(LONG_EMAIL)
    assert result.priority in ("P1", "P2")  # the urgent sentence still decides the grade
    floor = BAND_FLOOR[result.priority]
    assert floor <= result.urgency < floor + 0.25  # ranked within its grade, never out of it
