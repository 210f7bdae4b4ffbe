"""The interface the rest of Beacon uses: TriageEngine.load / triage and TriageResult."""

from __future__ import annotations

import json

import pytest

from beacon.messages import Place
from beacon.triage import TriageEngine, TriageResult
from beacon.triage.result import THRIVE_KEYS


def test_result_has_the_agreed_shape(lexicon_engine):
    result = lexicon_engine.triage("Someone is breaking into the car on Colne Road BB10 1LD now")
    assert isinstance(result, TriageResult)
    assert result.priority in ("P1", "P2", "P3", "P4")
    assert 0.0 <= result.urgency <= 1.0
    assert set(result.risk) == set(THRIVE_KEYS)
    assert all(0.0 <= value <= 1.0 for value in result.risk.values())
    assert result.place == {"postcode": "BB10 1LD", "district": "BB10", "name": "Burnhaven Wood",
                            "beat": "BH-BW"}
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
    result = lexicon_engine.triage("fight outside BB12 6NA", place=Place(postcode="bb11 5ab"))
    assert result.place["beat"] == "BH-RG"
    assert result.place["postcode"] == "BB11 5AB"


def test_partial_postcode_and_gazetteer(lexicon_engine):
    assert lexicon_engine.triage("car alarm going off in BB12").place["beat"] == "BH-GN"
    place = lexicon_engine.triage("kids on bikes in Thompson Park").place
    assert place["district"] == "BB10" and place["beat"] == "BH-BW"


def test_sector_decides_the_beat_within_a_district(lexicon_engine):
    # BB11 holds four beats: the first digit of the inward code picks one
    assert lexicon_engine.triage("fight on Church Street BB11 2DL").place["beat"] == "BH-TC"
    assert lexicon_engine.triage("fight on Oxford Road BB11 3AZ").place["beat"] == "BH-FU"
    assert lexicon_engine.triage("fight at BB11 9ZZ").place["beat"] == "BH-TC"  # district fallback


def test_scenario_streets_and_places_all_map_to_a_beat(lexicon_engine):
    from beacon.scenario.force import PLACES, PUBS, SHOPS, STREETS

    beats = set(lexicon_engine.places.beats)
    for street in STREETS:
        for where in (street.name, street.area, street.postcode):
            place = lexicon_engine.triage(f"trouble on {where} tonight").place
            assert place and place["beat"] in beats, where
        by_postcode = lexicon_engine.triage(street.postcode).place["beat"]
        assert lexicon_engine.triage(street.name).place["beat"] == by_postcode, street.name
    for where in (*PUBS, *SHOPS, *PLACES):
        place = lexicon_engine.triage(f"trouble at {where} tonight").place
        assert place and place["beat"] in beats, where


def test_channel_place_name_maps_to_a_beat(lexicon_engine):
    result = lexicon_engine.triage("come quick", place=Place(name="Victoria Road, Hapton Bridge"))
    assert result.place["beat"] == "BH-HB"


def test_beats_table_rejects_unknown_beats_and_areas(tmp_path):
    from beacon.triage.lexicon import LexiconError
    from beacon.triage.places import PlaceFinder

    typo = tmp_path / "typo.yaml"
    typo.write_text("beats: {A-1: North}\ndistricts:\n  BB1: {beat: A-2}\n")
    with pytest.raises(LexiconError, match="A-2"):
        PlaceFinder.load(typo)
    stray = tmp_path / "stray.yaml"
    stray.write_text("districts:\n  BB1: {beat: A-1}\nplaces:\n  the mill: BB9\n")
    with pytest.raises(LexiconError, match="the mill"):
        PlaceFinder.load(stray)


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


@pytest.mark.parametrize("text", [
    "A teenager is on the bridge railing saying she wants to jump",
    "my mate is threatening to jump off the multi-storey",
    "there's a man about to jump from the footbridge",
])
def test_someone_about_to_jump_is_a_p1_to_the_lexicon(lexicon_engine, text):
    """Found in a benchmark's wording: 'wants to jump' was not in the shipped lexicon, and the
    full triage graded a person on a bridge railing P4."""
    result = lexicon_engine.triage(text)
    assert result.priority == "P1" and "self_harm" in result.categories
