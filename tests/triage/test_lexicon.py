"""Lexicon rule families: phrases, wildcards, negation, reported speech, banter, intensifiers,
emoji, in-progress / past cues, and clear errors for a malformed force lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.triage.analysis import analyse
from beacon.triage.lexicon import LexiconError, compile_lexicon, load_lexicon

SMALL = {
    "version": "test",
    "categories": {
        "violence_weapons": {"priority": "P1", "priority_if_past": "P2",
                             "terms": {"stabbed": 0.9, "knife": 0.6, "🔪": 0.6}},
        "crime.theft": {"priority": "P3", "terms": {"shoplift*": 0.8}},
    },
    "vulnerabilities": {"child": {"terms": {"child": 0.8}}},
    "modifiers": {
        "negators": ["no", "nobody", "not"],
        "deescalators": {"not an emergency": 1.0},
        "reporting_cues": ["said", "news"],
        "banter": ["lol"],
        "intensifiers": ["urgent"],
        "in_progress": ["now"],
        "past": ["yesterday"],
    },
}


@pytest.fixture(scope="module")
def small():
    return compile_lexicon(SMALL)


def test_plain_phrase_is_found(small):
    assert analyse(small, "A man has been STABBED").categories["violence_weapons"] == pytest.approx(0.9)


def test_wildcard_matches_word_start(small):
    assert "crime.theft" in analyse(small, "two shoplifters at the Co-op").categories


def test_emoji_is_a_word(small):
    assert analyse(small, "he has a 🔪").categories["violence_weapons"] == pytest.approx(0.6)


def test_negation_cancels_the_phrase(small):
    assert "violence_weapons" not in analyse(small, "nobody was stabbed").categories


def test_negation_stops_at_clause_break(small):
    assert "violence_weapons" in analyse(small, "no, he was stabbed").categories


def test_reported_speech_halves_the_weight(small):
    evidence = analyse(small, "the news said a man was stabbed")
    assert evidence.categories["violence_weapons"] == pytest.approx(0.45)


def test_quoted_speech_halves_the_weight(small):
    evidence = analyse(small, 'he shouted "I have a knife" at the door')
    assert evidence.categories["violence_weapons"] == pytest.approx(0.3)


def test_banter_lowers_the_weight(small):
    assert analyse(small, "stabbed by that exam lol").categories["violence_weapons"] < 0.6


def test_intensifier_raises_the_weight(small):
    assert analyse(small, "urgent, knife").categories["violence_weapons"] == pytest.approx(0.7)


def test_combined_phrases_add_up_as_noisy_or(small):
    assert analyse(small, "knife 🔪").categories["violence_weapons"] == pytest.approx(0.84)


def test_in_progress_and_past_cues(small):
    assert analyse(small, "stabbed now").in_progress
    assert analyse(small, "stabbed yesterday").past


def test_deescalator_is_scored(small):
    assert analyse(small, "not an emergency").deescalation == 1.0


def test_vulnerability_is_scored(small):
    assert analyse(small, "a child").vulnerabilities["child"] == pytest.approx(0.8)


def test_apostrophes_do_not_matter():
    lexicon = load_lexicon()
    assert "cannot_call" in analyse(lexicon, "I can\u2019t call, he\u2019ll hear me").vulnerabilities


def test_shipped_lexicon_loads_with_every_category():
    lexicon = load_lexicon()
    for slug in ("threat_to_life", "violence_weapons", "domestic_abuse", "self_harm",
                 "missing_person", "road_collision", "fire_explosion", "crime.theft",
                 "crime.burglary", "crime.fraud", "crime.hate", "anti_social_behaviour",
                 "request_help", "request_information", "information", "complaint"):
        assert slug in lexicon.categories
    assert lexicon.languages == ("en",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"categories": {"x": {"priority": "P9", "terms": {"a": 1}}}}, "priority"),
        ({"categories": {"x": {"priority": "P1", "terms": {"a": 2}}}}, "weight"),
        ({"categories": {"x": {"priority": "P1"}}}, "terms"),
        ({"categories": ["not", "a", "mapping"]}, "mapping"),
    ],
)
def test_malformed_lexicon_names_the_problem(data, message):
    with pytest.raises(LexiconError, match=message):
        compile_lexicon(data)


def test_missing_lexicon_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "nope.yaml")
