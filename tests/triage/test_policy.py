"""The combination policy on the shipped lexicon: safety rules, named in the reasons."""

from __future__ import annotations

import pytest


def rules(result) -> list[str]:
    return [reason["rule"] for reason in result.reasons if reason["kind"] == "rule"]


def test_3am_message_from_someone_who_cannot_phone_is_p1(lexicon_engine):
    result = lexicon_engine.triage("its 3am, I cant phone, hes in the house and I am scared. please help")
    assert result.priority == "P1"
    assert "cannot_call" in result.vulnerabilities
    assert "cannot_call_distress" in rules(result)


def test_cannot_call_alone_is_at_least_p2(lexicon_engine):
    result = lexicon_engine.triage("I can't talk right now, text me back")
    assert result.priority in ("P1", "P2")


def test_knife_in_progress_is_p1(lexicon_engine):
    result = lexicon_engine.triage("man with a knife outside my house right now")
    assert result.priority == "P1"
    assert "violence_weapons" in result.categories


def test_violence_earlier_is_p2_not_p1(lexicon_engine):
    assert lexicon_engine.triage("I was attacked last night near the park").priority == "P2"


def test_not_an_emergency_caps_at_p3(lexicon_engine):
    result = lexicon_engine.triage("not an emergency but there was a small fire in the bin, all out")
    assert result.priority == "P3"
    assert "deescalated" in rules(result)


def test_clear_threat_to_life_survives_deescalation(lexicon_engine):
    result = lexicon_engine.triage("not an emergency yet but he is not breathing")
    assert result.priority == "P1"


def test_no_one_hurt_is_not_a_threat(lexicon_engine):
    result = lexicon_engine.triage("small crash on the ring road, no one hurt")
    assert result.priority in ("P3", "P4")


def test_missing_child_is_p1(lexicon_engine):
    result = lexicon_engine.triage("my 6 year old daughter has gone missing in the park")
    assert result.priority == "P1"
    assert "child" in result.vulnerabilities


def test_chatter_is_p4_irrelevant(lexicon_engine):
    result = lexicon_engine.triage("lovely sunny day at the match today")
    assert result.priority == "P4"
    assert result.categories == ["irrelevant"]


def test_burglary_reported_later_is_p3(lexicon_engine):
    result = lexicon_engine.triage("we were burgled while on holiday, need a crime number")
    assert result.priority == "P3"
    assert "crime.burglary" in result.categories


@pytest.mark.parametrize(
    "text",
    [
        "Mae dyn yn ymosod ar fy nghymydog ar y stryd, ffoniwch yr heddlu os gwelwch yn dda",
        "Pomocy, mój mąż ma nóż i grozi że mnie zabije",
        "Dzień dobry, chciałbym zapytać o godziny otwarcia komisariatu w centrum",
        "Bore da, hoffwn i ofyn am oriau agor yr orsaf heddlu yn y dref",
    ],
)
def test_uncovered_language_goes_to_a_person_and_is_never_p4(lexicon_engine, text):
    result = lexicon_engine.triage(text)
    assert result.needs_human
    assert result.priority != "P4"
    assert result.language in ("cy", "pl")
    assert "language_not_covered" in rules(result)


def test_alarm_word_in_uncovered_language_is_p2(lexicon_engine):
    result = lexicon_engine.triage("Pomocy, mój mąż ma nóż i grozi że mnie zabije")
    assert result.priority in ("P1", "P2")


def test_given_language_is_trusted(lexicon_engine):
    result = lexicon_engine.triage("ok", language="pl-PL")
    assert result.language == "pl" and result.needs_human


def test_english_short_message_is_not_sent_to_a_person(lexicon_engine):
    assert not lexicon_engine.triage("#flood").needs_human


def test_a_category_that_names_who_is_at_risk_marks_that_vulnerability():
    from beacon.triage.policy import Decision, apply_vulnerability_of_category

    decision = Decision(categories={"domestic_abuse": 0.7, "child_protection": 0.6, "crime.theft": 0.9})
    apply_vulnerability_of_category(decision, threshold=0.5)
    assert set(decision.vulnerabilities) == {"domestic_abuse", "child"}
    assert [r["kind"] for r in decision.reasons] == ["vulnerability_of_category"] * 2


def test_a_weak_category_marks_nothing():
    from beacon.triage.policy import Decision, apply_vulnerability_of_category

    decision = Decision(categories={"self_harm": 0.3})
    apply_vulnerability_of_category(decision, threshold=0.5)
    assert decision.vulnerabilities == {}


def test_a_label_only_the_model_suggests_escalates_only_when_it_is_sure():
    from beacon.triage.policy import SURE_OF_LABEL, Decision, apply_vulnerability_rules

    def decided(probability: float) -> str:
        decision = Decision(priority="P3", categories={"violence_weapons": 0.7},
                            vulnerabilities={"cannot_call": probability},
                            suggested={("vulnerabilities", "cannot_call"): probability})
        apply_vulnerability_rules(decision)
        return decision.priority

    assert decided(SURE_OF_LABEL - 0.1) == "P3"  # a bike theft the recall-first head calls "cannot call"
    assert decided(SURE_OF_LABEL + 0.1) == "P1"


def test_a_label_the_lexicon_found_always_counts():
    from beacon.triage.policy import Decision, apply_vulnerability_rules

    decision = Decision(priority="P3", categories={"violence_weapons": 0.7}, vulnerabilities={"cannot_call": 0.55})
    apply_vulnerability_rules(decision)
    assert decision.priority == "P1"


def test_a_vulnerable_person_raises_the_grade_once_however_often_the_rules_run():
    # the rules run again after another language's words add who is at risk
    from beacon.triage.policy import Decision, apply_vulnerability_rules

    decision = Decision(priority="P3", categories={"violence_weapons": 0.8}, vulnerabilities={"child": 0.8})
    apply_vulnerability_rules(decision)
    apply_vulnerability_rules(decision)
    assert decision.priority == "P2"
