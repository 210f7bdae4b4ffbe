"""Noise inside the pipeline: storms collapse, incidents share a case, overrides are audited."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from beacon.audit import Actor, verify_chain
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.store.tables import Case, Message
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_noise import IncidentRow
from tests.builders import inbound
from tests.conftest import make_beacon

FORCE_X = {"channel": "x", "channel_account": "@WestBurnPolice"}
APPEAL = "MISSING: Amy, 14, last seen near Burnhaven bus station BB10 3HT. Please share. Call 101"


def _appeal(beacon: Beacon) -> None:
    beacon.ingest([inbound(**FORCE_X, provider_message_id="1000", author={"id": "force"}, text=APPEAL)])


def _retweet(n: int, text: str = "") -> object:
    return inbound(**FORCE_X, provider_message_id=f"2{n:05d}", author={"id": f"u{n}"},
                   text=text or f"RT @WestBurnPolice: {APPEAL}", shared_of="1000")


def _one(beacon: Beacon, provider_id: str) -> Message:
    with beacon.read_session_factory() as session:
        return session.scalars(select(Message).where(Message.provider_message_id == provider_id)).one()


def _count(beacon: Beacon, model: type) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_storm_of_1000_retweets_is_one_item_with_count_1000(beacon: Beacon) -> None:
    _appeal(beacon)
    for start in range(0, 1000, 100):
        beacon.ingest([_retweet(n) for n in range(start, start + 100)])  # type: ignore[misc]
    original = _one(beacon, "1000")
    assert original.share_count == 1000
    with beacon.read_session_factory() as session:
        items = set(session.scalars(select(Message.item_id).where(Message.channel == "x")))
        dispositions = set(session.scalars(select(Message.disposition).where(Message.shared_of == "1000")))
    assert items == {original.id} and dispositions == {"close"}
    assert _count(beacon, Case) == 0


def test_an_edited_copy_is_its_own_item_closed_onto_the_post_it_copies(beacon: Beacon) -> None:
    report = ("Two men fighting outside the Red Lion on Burnhaven High Street, one of them has a "
              "broken bottle and there is blood on the pavement")
    beacon.ingest([inbound(**FORCE_X, provider_message_id="5", author={"id": "witness"}, text=report)])
    edited = report.replace("Two men fighting", "Two lads fighting") + " #Burnhaven"
    beacon.ingest([inbound(**FORCE_X, provider_message_id="6", author={"id": "copier"}, text=edited)])
    first, copy = _one(beacon, "5"), _one(beacon, "6")
    assert copy.item_id == copy.id and first.share_count == 0  # not a member of the item
    assert copy.incident_id == first.incident_id
    # It repeats the post: closed onto it by the share rule, as a share is.
    assert copy.disposition == "close" and "share or copy" in (copy.disposition_reason or "")
    assert f"message {first.id}" in (copy.disposition_reason or "")


def test_a_p1_inside_the_storm_still_alerts_and_opens_a_case(beacon: Beacon) -> None:
    _appeal(beacon)
    beacon.ingest([_retweet(n) for n in range(50)])  # type: ignore[misc]
    urgent = inbound(**FORCE_X, provider_message_id="3", author={"id": "witness"},
                     shared_of="1000", text="That's her! a man with a knife is dragging her into a van on Mill Lane")
    beacon.ingest([urgent])
    message = _one(beacon, "3")
    assert message.priority == "P1" and message.disposition == "case" and message.case_id is not None


def test_independent_reports_of_one_incident_share_one_case(beacon: Beacon) -> None:
    reports = [
        inbound(channel="sms", author={"id": "+447700900201"}, text="Man waving a knife outside the Weavers Arms on Mill Lane"),
        inbound(channel="whatsapp", channel_account="109876543210987", author={"id": "+447700900202"},
                text="There's a man with a knife outside the Weavers Arms pub Mill Lane, please hurry"),
    ]
    beacon.ingest(reports)
    first, second = (_one(beacon, r.provider_message_id) for r in reports)
    assert first.incident_id == second.incident_id
    assert first.case_id == second.case_id is not None
    assert _count(beacon, Case) == 1
    with beacon.read_session_factory() as session:
        incident = session.get_one(IncidentRow, first.incident_id)
    assert (incident.reports, incident.reporters, incident.priority) == (2, 2, "P1")


def test_split_and_merge_are_audited_and_respected_later(beacon: Beacon, clock: FakeClock) -> None:
    a = inbound(channel="sms", author={"id": "+447700900301"}, text="Car on fire outside 17 Victoria Road, flames everywhere")
    b = inbound(channel="sms", author={"id": "+447700900302"}, text="A car is on fire on Victoria Road near number 17")
    beacon.ingest([a, b])
    supervisor = Actor("user", 1, "Sgt Khan")
    with beacon.session_factory.begin() as session:
        moved = session.scalars(select(Message).where(Message.provider_message_id == b.provider_message_id)).one()
        new_incident = beacon.noise.split(session, moved, supervisor, "different car", clock.now())
    assert _one(beacon, b.provider_message_id).incident_id == new_incident.id != _one(beacon, a.provider_message_id).incident_id
    with beacon.session_factory.begin() as session:
        keep = session.get_one(IncidentRow, _one(beacon, a.provider_message_id).incident_id)
        absorb = session.get_one(IncidentRow, new_incident.id)
        beacon.noise.merge(session, keep, absorb, supervisor, "same car after all", clock.now())
    assert _one(beacon, b.provider_message_id).incident_id == _one(beacon, a.provider_message_id).incident_id
    with beacon.read_session_factory() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "incident").order_by(AuditEvent.id)))
        assert [e.data["override"]["action"] for e in events] == ["split", "merge"]
        assert {e.actor_name for e in events} == {"Sgt Khan"} and verify_chain(session).ok


def test_after_a_restart_shares_still_collapse_onto_the_stored_post(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> None:
    first = make_beacon(sqlite_url, tmp_path, clock)
    _appeal(first)
    first.ingest([_retweet(1)])  # type: ignore[list-item]
    first.engine.dispose()
    second = make_beacon(sqlite_url, tmp_path, clock)
    second.start()
    second.ingest([_retweet(2, text=f"Please share!! {APPEAL}")])  # type: ignore[list-item]
    assert _one(second, "1000").share_count == 2
    assert _one(second, "200002").item_id == _one(second, "1000").id
