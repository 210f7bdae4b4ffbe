"""The routing policy: each outcome with its reason and recipient, counted needs, a force's own file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from beacon.cases.access import force_wide
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.routing.disposition import Outcome, decide_disposition
from beacon.routing.policy import load_policy, parse_policy
from beacon.routing.record import Need, monitored_needs
from beacon.store.tables_people import RoutingDecision
from beacon.triage.result import TriageResult
from tests.conftest import make_beacon
from tests.people.people_builders import PlacedTriage, send


def _triage(priority: str = "P4", categories: tuple[str, ...] = ("irrelevant",), **extra: object) -> TriageResult:
    data: dict[str, object] = {"priority": priority, "urgency": 0.1, "categories": list(categories),
                               "vulnerabilities": [], "risk": {}, "place": None, "language": "en",
                               "needs_human": False}
    return TriageResult(**(data | extra))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "priority", "outcome", "recipient"),
    [
        ("got a call from 'the police' asking me to move my savings to a safe account", "P3", "share", "Action Fraud"),
        ("music blaring from 27 Oxford Road again, it's gone midnight", "P3", "share", "Burnshire Council"),
        ("The officer who came tonight was on his phone and laughed at me. How do I complain?", "P4", "share",
         "Professional Standards"),
        ("why is there a helicopter circling over town centre?", "P4", "monitor", None),
        ("thanks for all you do", "P4", "close", None),
        ("someone has smashed my car window", "P3", "case", None),
        ("the scammer has a knife and is at my door", "P1", "case", None),  # threat to life beats fraud
    ],
)
def test_the_shipped_policy_routes_each_kind(text: str, priority: str, outcome: str, recipient: str | None) -> None:
    decision = decide_disposition(_triage(priority), None, text=text)
    assert decision.outcome == outcome
    assert (recipient or "") in (decision.recipient or "")
    assert decision.reason and (recipient is None or recipient in decision.reason)


def test_a_share_of_a_held_post_is_closed_onto_it() -> None:
    decision = decide_disposition(_triage("P3", ("crime.fraud",)), 41, text="scam")
    assert (decision.outcome, decision.rule) == (Outcome.CLOSE, "share-of-a-held-post")
    assert "message 41" in decision.reason


def test_unsure_and_vulnerable_p4s_still_get_a_case() -> None:
    assert decide_disposition(_triage(needs_human=True), None).outcome is Outcome.CASE
    assert decide_disposition(_triage(vulnerabilities=["child"]), None).outcome is Outcome.CASE


def test_monitored_needs_are_counted_by_beat_and_kind(clock: FakeClock, tmp_path: Path, sqlite_url: str) -> None:
    beacon = make_beacon(sqlite_url, tmp_path, clock)
    beacon.pipeline._triage_engine = PlacedTriage()  # the fake, with a beat
    places = ("the park", "Rosehill", "the bus station")  # different texts: not near-copies of each other
    for n, place in enumerate(places):
        send(beacon, author={"id": f"+44770090050{n}"}, text=f"why is the police helicopter over {place}?")
    message = send(beacon, author={"id": "+447700900509"}, text="sirens everywhere, what's happened")
    assert (message.disposition, message.case_id) == ("monitor", None)
    with beacon.read_session_factory() as session:
        needs = monitored_needs(session, force_wide(message.force_id), clock.now() - timedelta(hours=1))
        assert session.get_one(RoutingDecision, message.id).rule == "police-activity-questions"
        assert monitored_needs(session, force_wide(message.force_id), clock.now() + timedelta(seconds=1)) == []
    assert needs == [Need("BN-CEN", "police_activity", 4)]


def test_a_shared_report_records_its_recipient(beacon: Beacon) -> None:
    message = send(beacon, text="I've been scammed on Facebook Marketplace, the seller blocked me")
    with beacon.read_session_factory() as session:
        decision = session.scalars(select(RoutingDecision).where(RoutingDecision.message_id == message.id)).one()
    assert message.disposition == "share" and message.case_id is None
    assert decision.recipient is not None and decision.recipient.startswith("Action Fraud")


def test_a_force_can_ship_its_own_policy(tmp_path: Path) -> None:
    own = tmp_path / "policy.yaml"
    own.write_text(
        "partners: {council: Our Council}\n"
        "rules:\n"
        "  - {name: all-asb-to-council, when: {categories: [asb]}, outcome: share, to: council, reason: ours}\n"
        "  - {name: rest, when: {}, outcome: case, reason: everything else is a case}\n"
    )
    policy = load_policy(own)
    assert decide_disposition(_triage("P3", ("asb",)), None, policy=policy).recipient == "Our Council"
    assert decide_disposition(_triage("P4"), None, policy=policy).outcome is Outcome.CASE


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ("  - {name: a, when: {}, outcome: share, to: nobody, reason: x}\n", "unknown partner"),
        ("  - {name: a, when: {priority: [P1]}, outcome: case, reason: x}\n", "must match everything"),
        ("  - {name: a, when: {text: ['(']}, outcome: case, reason: x}\n", "missing \\)"),
        ("  - {name: a, when: {}, outcome: arrest, reason: x}\n", "outcome"),
    ],
)
def test_a_broken_policy_fails_at_load_naming_the_problem(rules: str, problem: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=problem):
        parse_policy("partners: {}\nrules:\n" + rules)


def test_the_shipped_policy_loads() -> None:
    assert load_policy().rules[-1].name == "no-police-action"
