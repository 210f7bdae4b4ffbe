"""The interface the rest of Beacon uses: TriageEngine.load / triage and TriageResult."""

from __future__ import annotations

import json

import pytest

from beacon.messages import Place
from beacon.triage import TriageEngine, TriageResult
from beacon.triage.result import THRIVE_KEYS


def test_result_has_the_agreed_shape(lexicon_engine):
    result = lexicon_engine.triage("Someone is breaking into the car on Otley Road LS6 3AA now")
    assert isinstance(result, TriageResult)
    assert result.priority in ("P1", "P2", "P3", "P4")
    assert 0.0 <= result.urgency <= 1.0
    assert set(result.risk) == set(THRIVE_KEYS)
    assert all(0.0 <= value <= 1.0 for value in result.risk.values())
    assert result.place == {"postcode": "LS6 3AA", "district": "LS6", "name": "Headingley",
                            "beat": "NW-01"}
    assert result.model_version
    assert {reason["kind"] for reason in result.reasons} >= {"lexicon", "place", "language"}
    json.dumps(result.to_dict())


def test_urgency_orders_priorities(lexicon_engine):
    p1 = lexicon_engine.triage("he has a gun to my head")
    p3 = lexicon_engine.triage("my bike was stolen from the shed")
    p4 = lexicon_engine.triage("nice weather")
    assert p1.urgency > p3.urgency > p4.urgency


def test_empty_text_is_p4_not_an_error(lexicon_engine):
    assert lexicon_engine.triage("").priority == "P4"


def test_place_given_by_the_channel_wins(lexicon_engine):
    result = lexicon_engine.triage("fight outside", place=Place(postcode="ls11 5ab"))
    assert result.place["beat"] == "SO-02"
    assert result.place["postcode"] == "LS11 5AB"


def test_partial_postcode_and_gazetteer(lexicon_engine):
    assert lexicon_engine.triage("car alarm going off in LS14").place["beat"] == "EA-02"
    assert lexicon_engine.triage("kids on bikes in Armley Park").place["district"] == "LS12"


def test_unknown_district_is_ignored(lexicon_engine):
    assert lexicon_engine.triage("queues on the M62 and A1").place is None


def test_result_rejects_bad_priority():
    with pytest.raises(ValueError):
        TriageResult("P5", 0.1, [], [], {}, None, None, False)


def test_force_files_can_replace_the_defaults(tmp_path):
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("categories:\n  custom:\n    priority: P2\n    terms:\n      zebra: 1.0\n")
    beats = tmp_path / "beats.yaml"
    beats.write_text("districts:\n  BS1: {beat: B-1}\nplaces:\n  harbourside: BS1\n")
    engine = TriageEngine.load(lexicon, beats, use_model=False)
    result = engine.triage("a zebra at the harbourside")
    assert result.priority == "P2" and result.categories == ["custom"]
    assert result.place["beat"] == "B-1"
