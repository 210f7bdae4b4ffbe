"""One message per failure kind of issue 13, written fresh, through the shipped engine (lexicon
and model): emergencies as the public writes them to a UK force must not sit at P3 or P4, and
alarming words used harmlessly or about the past must not page anyone."""

from __future__ import annotations

import pytest

from beacon.triage import TriageEngine


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return TriageEngine.load()


def rules(result) -> list[str]:
    return [reason["rule"] for reason in result.reasons if reason["kind"] == "rule"]


@pytest.mark.parametrize("text", [
    "theres a lad with a gun in the chip shop on Manchester Road now everyone is running",
    "bloke waving a knife about outside the primary school gates right now",
    "he has her up against the wall by the throat outside the Red Lion",
    "my flatmate took an overdose about ten minutes ago she's really drowsy",
    "my brother sent a goodbye text and his phone is off",
    "a toddler on his own by the dual carriageway near the retail park",
    "my ex won't let me leave the house and has taken my phone",
    "my neighbour says her ex is kicking her door in",
    "Mae dyn gyda cyllell tu allan i'r siop nawr",
    "Pomocy, mąż ma nóż i mówi że mnie zabije",
])
def test_an_emergency_as_the_public_writes_it_is_p1(engine, text):
    assert engine.triage(text).priority == "P1"


@pytest.mark.parametrize("text", [
    "someone's been following me from the station for twenty minutes",
    "a man touched me on the bus and then followed me off it",
])
def test_danger_that_may_become_an_emergency_is_at_least_p2(engine, text):
    assert engine.triage(text).priority in ("P1", "P2")


def test_a_third_partys_report_of_danger_is_not_discounted(engine):
    result = engine.triage("my neighbour says her boyfriend is strangling her")
    assert result.priority == "P1"
    assert not any(reason.get("detail", "").endswith("(reported speech)") for reason in result.reasons)


@pytest.mark.parametrize("text", [
    "shots fired at the rugby today what a game",
    "we got murdered 4-0 at the football lol",
])
def test_banter_is_not_an_alert(engine, text):
    assert engine.triage(text).priority in ("P3", "P4")


def test_a_past_burglary_is_not_a_threat_to_life(engine):
    result = engine.triage("we were burgled last month, can I get a crime number for the insurance")
    assert result.priority in ("P3", "P4")
    assert "threat_to_life_floor" not in rules(result)


def test_a_keyed_car_does_not_page_anyone(engine):
    result = engine.triage("someone's keyed the whole side of my car overnight")
    assert result.priority in ("P3", "P4")
    assert "crime.criminal_damage" in result.categories


def test_sexual_offence_is_a_category(engine):
    assert "sexual_offence" in engine.triage("I was groped on the last train home").categories


def test_welsh_and_polish_harm_is_graded_but_still_goes_to_a_person(engine):
    for text in ("Mae dyn gyda cyllell tu allan i'r siop nawr", "Pomocy, mąż ma nóż i mówi że mnie zabije"):
        result = engine.triage(text)
        assert result.needs_human and result.priority == "P1"
        assert {"violence_weapons", "threat_to_life"} & set(result.categories)  # the harm terms matched


def test_polish_harm_words_do_not_fire_on_english(engine):
    """"most" is Polish for bridge: it is matched only in a message in Polish."""
    assert "self_harm" not in engine.triage("most people park on the pavement here").categories
