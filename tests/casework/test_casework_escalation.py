"""Escalation that waits for a human, on an injected clock: every step, every stop."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from tests.casework.casework_builders import case_from, on_shift, staff, tick

from beacon.bootstrap import Beacon
from beacon.cases.assignment import AssignmentError, reassign, release, take
from beacon.cases.audit_events import user_actor
from beacon.cases.notifiers import HttpAlertSender, LogOnlyAlertSender, alert_senders
from beacon.cases.sms_ack import acknowledge_by_sms
from beacon.clock import FakeClock
from beacon.staff.accounts import Role
from beacon.store.tables import Case
from beacon.store.tables_casework import Alert
from beacon.store.tables_outbox import OutboxEntry

HANDLER_PHONE, SUPERVISOR_PHONE, INSPECTOR_PHONE = "+447700900101", "+447700900102", "+447700900103"


@pytest.fixture
def chain(beacon: Beacon) -> dict[str, int]:
    """One handler, one supervisor, one duty inspector on the night shift."""
    people = {
        "handler": staff(beacon, "hana", phone=HANDLER_PHONE),
        "supervisor": staff(beacon, "sam", Role.SUPERVISOR, phone=SUPERVISOR_PHONE, email="sam@force.example"),
        "inspector": staff(beacon, "ines", Role.SUPERVISOR, phone=INSPECTOR_PHONE, email="ines@force.example"),
    }
    on_shift(beacon, people["handler"], "handler")
    on_shift(beacon, people["supervisor"], "supervisor")
    on_shift(beacon, people["inspector"], "inspector", team=None)
    return people


def _notices(beacon: Beacon) -> list[tuple[str, str]]:
    with beacon.read_session_factory() as session:
        return [(e.channel, e.target) for e in session.scalars(
            select(OutboxEntry).where(OutboxEntry.kind == "alert").order_by(OutboxEntry.id))]


def _alert(beacon: Beacon) -> Alert:
    with beacon.read_session_factory() as session:
        return session.scalars(select(Alert)).one()


def test_a_p1_is_assigned_and_its_handler_alerted_at_once(beacon: Beacon, chain: dict[str, int]) -> None:
    case_id = case_from(beacon)
    report = tick(beacon)
    assert report.assigned == 1 and len(report.alerts_raised) == 1
    with beacon.read_session_factory() as session:
        assert session.get_one(Case, case_id).assignee_id == chain["handler"]
    assert _notices(beacon) == [("alert-sms", HANDLER_PHONE)]
    assert _alert(beacon).level == 0


def test_nobody_acknowledges_so_it_climbs_the_chain_then_repeats(
    beacon: Beacon, clock: FakeClock, chain: dict[str, int]
) -> None:
    case_from(beacon)
    tick(beacon)
    clock.advance(minutes=4)
    tick(beacon)
    assert len(_notices(beacon)) == 1  # the handler still has time
    clock.advance(minutes=1)
    tick(beacon)
    assert _notices(beacon)[1:] == [("alert-sms", SUPERVISOR_PHONE), ("alert-email", "sam@force.example")]
    clock.advance(minutes=10)
    tick(beacon)
    assert ("alert-sms", INSPECTOR_PHONE) in _notices(beacon) and ("alert-webhook", "inspector") in _notices(beacon)
    assert _alert(beacon).level == 2
    before = len(_notices(beacon))
    clock.advance(minutes=10)
    tick(beacon)
    assert _alert(beacon).rounds == 1
    repeated = _notices(beacon)[before:]
    assert {HANDLER_PHONE, SUPERVISOR_PHONE, INSPECTOR_PHONE} <= {target for _, target in repeated}


def test_an_empty_level_passes_straight_to_the_next(beacon: Beacon, chain: dict[str, int]) -> None:
    with beacon.session_factory.begin() as session:
        session.execute(Alert.__table__.delete())  # nothing yet; keeps the fixture's rota
    staff_only_supervisor = chain["supervisor"]
    from beacon.store.tables_casework import RotaShift

    with beacon.session_factory.begin() as session:
        session.execute(RotaShift.__table__.delete().where(RotaShift.role == "handler"))
    case_from(beacon)
    tick(beacon)
    alert = _alert(beacon)
    assert alert.level == 1 and alert.escalated_at is not None
    assert alert.notified[-1]["users"] == [staff_only_supervisor]


def test_taking_the_case_stops_the_escalation(beacon: Beacon, clock: FakeClock, chain: dict[str, int]) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    clock.advance(minutes=3)
    with beacon.session_factory.begin() as session:
        take(session, session.get_one(Case, case_id), user_actor(chain["handler"], "Hana"), clock.now())
    clock.advance(minutes=10)
    tick(beacon)
    alert = _alert(beacon)
    assert alert.acknowledged_by == chain["handler"] and alert.level == 0
    assert _notices(beacon) == [("alert-sms", HANDLER_PHONE)]
    clock.advance(minutes=3)  # 16 minutes in, no reply yet: first reply breaches
    assert len(tick(beacon).alerts_raised) == 1
    assert _notices(beacon)[1:] == [("alert-sms", HANDLER_PHONE)]


def test_a_reply_ack_by_sms_acknowledges(beacon: Beacon, clock: FakeClock, chain: dict[str, int]) -> None:
    case_from(beacon)
    tick(beacon)
    clock.advance(minutes=6)
    tick(beacon)
    code = _alert(beacon).code
    with beacon.session_factory.begin() as session:
        assert acknowledge_by_sms(session, "+44 7700 900102", "ACK 0000" if code != "0000" else "ACK 0001",
                                  clock.now()).case_reference is None  # type: ignore[union-attr]
        answer = acknowledge_by_sms(session, "07700 900102", f"ack {code}", clock.now())
    assert answer is not None and answer.case_reference == "BC-261128-0001"
    alert = _alert(beacon)
    assert (alert.acknowledged_by, alert.acknowledged_via) == (chain["supervisor"], "sms")


def test_a_bare_ack_takes_the_latest_alert_sent_to_that_phone(
    beacon: Beacon, clock: FakeClock, chain: dict[str, int]
) -> None:
    case_from(beacon)
    tick(beacon)
    with beacon.session_factory.begin() as session:
        answer = acknowledge_by_sms(session, HANDLER_PHONE, "Ack.", clock.now())
    assert answer is not None and answer.user_id == chain["handler"]
    assert _alert(beacon).acknowledged_at == clock.now()


def test_citizens_and_other_texts_are_not_acknowledgements(beacon: Beacon, chain: dict[str, int]) -> None:
    with beacon.session_factory.begin() as session:
        assert acknowledge_by_sms(session, "+447700900999", "ACK 1234", beacon.clock.now()) is None
        assert acknowledge_by_sms(session, HANDLER_PHONE, "acknowledge the noise please", beacon.clock.now()) is None


def test_a_breach_raises_its_own_alert(beacon: Beacon, clock: FakeClock, chain: dict[str, int]) -> None:
    case_from(beacon, "My bike was stolen")  # P3: no P1 alert
    assert tick(beacon).alerts_raised == []
    clock.advance(hours=8)
    report = tick(beacon)
    assert report.breached == 1 and len(report.alerts_raised) == 1
    assert _alert(beacon).cause == "breach:acknowledge"


def test_closing_the_case_ends_its_alert(beacon: Beacon, clock: FakeClock, chain: dict[str, int]) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    with beacon.session_factory.begin() as session:
        session.get_one(Case, case_id).status = "closed"
    clock.advance(minutes=5)
    tick(beacon)
    assert _alert(beacon).acknowledged_via == "closed" and len(_notices(beacon)) == 1


def test_load_decides_who_gets_the_next_case(beacon: Beacon, chain: dict[str, int]) -> None:
    second = staff(beacon, "hugo")
    on_shift(beacon, second, "handler")
    first_case, second_case = case_from(beacon), case_from(beacon, "Another knife", author={"id": "+447700900555"})
    tick(beacon)
    with beacon.read_session_factory() as session:
        holders = {session.get_one(Case, first_case).assignee_id, session.get_one(Case, second_case).assignee_id}
    assert holders == {chain["handler"], second}


def test_reassigning_needs_a_reason_and_a_colleague(beacon: Beacon, chain: dict[str, int]) -> None:
    case_id = case_from(beacon)
    actor = user_actor(chain["supervisor"], "Sam")
    other_force = staff(beacon, "olu", force="demo")
    with beacon.session_factory.begin() as session:
        case = session.get_one(Case, case_id)
        with pytest.raises(AssignmentError, match="say why"):
            reassign(session, case, chain["handler"], actor, " ", beacon.clock.now())
        with pytest.raises(AssignmentError, match="no colleague"):
            reassign(session, case, 9999, actor, "shift ending", beacon.clock.now())
        entry = reassign(session, case, other_force, actor, "shift ending", beacon.clock.now())
        assert entry is not None and entry.body == "queue → Olu: shift ending"
        release(session, case, actor, "", beacon.clock.now())
        assert case.assignee_id is None


def test_senders_post_the_notice_and_log_when_unconfigured() -> None:
    calls: list[tuple[str, dict[str, object], dict[str, str]]] = []

    def fake_post(url: str, body: bytes, headers: dict[str, str]) -> int:
        calls.append((url, json.loads(body), headers))
        return 503 if len(calls) == 1 else 202

    entry = OutboxEntry(channel="alert-sms", target=HANDLER_PHONE, payload={"text": "BEACON P1"},
                        idempotency_key="alert:1:0:0:sms:1")
    sender = HttpAlertSender("https://gateway.example/sms", fake_post)
    first, second = sender.send(entry), sender.send(entry)
    assert (first.ok, first.retry, second.ok) == (False, True, True)
    assert calls[1][1] == {"channel": "alert-sms", "to": HANDLER_PHONE, "text": "BEACON P1"}
    assert calls[1][2]["idempotency-key"] == "alert:1:0:0:sms:1"
    senders = alert_senders("", "https://mail.example", "")
    assert isinstance(senders["alert-sms"], LogOnlyAlertSender) and isinstance(senders["alert-email"], HttpAlertSender)
    assert senders["alert-webhook"].send(entry).ok
