"""Merges and unmerges round-trip with audit; candidates carry evidence; markers and repeat flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from beacon.audit import verify_chain
from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.people.candidates import candidates_of, decide
from beacon.people.errors import NotFound, Refused
from beacon.people.markers import active_markers, remove_marker, set_marker
from beacon.people.merges import merge_persons, unmerge
from beacon.store.tables import Case, Identity, Message
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_people import ContactFlag, PersonCandidate
from tests.people.people_builders import send

ANN = Actor("user", None, "Ann Handler")
FACEBOOK = {"channel": "facebook", "channel_account": "104857392011563"}
EMAIL = {"channel": "email", "channel_account": "contact@force.uk"}


def _state(beacon: Beacon) -> dict[str, object]:
    with beacon.read_session_factory() as session:
        return {
            "identities": sorted(session.execute(select(Identity.id, Identity.person_id)).all()),
            "messages": sorted(session.execute(select(Message.id, Message.person_id)).all()),
            "cases": sorted(session.execute(select(Case.id, Case.person_id)).all()),
        }


def test_merge_then_unmerge_restores_everything_and_is_audited(any_beacon: Beacon, clock: FakeClock) -> None:
    a = send(any_beacon, **FACEBOOK, author={"id": "1032789488293691", "name": "Dan Wilson"}, text="bike stolen")
    b = send(any_beacon, **EMAIL, author={"id": "danw18@example.org"}, text="my bike was stolen, any news?")
    before = _state(any_beacon)
    with any_beacon.session_factory.begin() as session:
        merge = merge_persons(session, a.force_id, a.person_id or 0, b.person_id or 0, actor=ANN,
                              basis="consent", reason="he told us on the phone", now=clock.now())
        merge_id = merge.id
    merged = _state(any_beacon)
    assert {p for _, p in merged["messages"]} == {a.person_id}  # type: ignore[union-attr]
    assert {p for _, p in merged["cases"]} == {a.person_id}  # type: ignore[union-attr]
    later = send(any_beacon, **EMAIL, author={"id": "danw18@example.org"}, text="thanks")
    assert later.person_id == a.person_id  # new messages from a moved identity follow the merge
    with any_beacon.session_factory.begin() as session:
        unmerge(session, a.force_id, merge_id, actor=ANN, reason="two different Dans", now=clock.now())
    after = _state(any_beacon)
    assert [r for r in after["messages"] if r[0] != later.id] == before["messages"]  # type: ignore[union-attr]
    assert (later.id, b.person_id) in after["messages"]  # type: ignore[operator]
    assert after["identities"] == before["identities"] and after["cases"] == before["cases"]
    with any_beacon.read_session_factory() as session:
        reasons = session.scalars(select(AuditEvent.reason).where(AuditEvent.object_type == "person")).all()
        assert verify_chain(session).ok
    assert any("merged person" in r and "he told us" in r for r in reasons)
    assert any("unmerged person" in r and "two different Dans" in r for r in reasons)


def test_a_merge_needs_a_configured_basis_and_a_reason(beacon: Beacon, clock: FakeClock) -> None:
    a = send(beacon, author={"id": "+447700900601"}, text="hello")
    b = send(beacon, author={"id": "+447700900602"}, text="hello again")
    with beacon.session_factory.begin() as session:
        with pytest.raises(Refused, match="basis"):
            merge_persons(session, a.force_id, a.person_id or 0, b.person_id or 0, actor=ANN, basis="hunch",
                          reason="looks like him", now=clock.now())
        with pytest.raises(Refused, match="why"):
            merge_persons(session, a.force_id, a.person_id or 0, b.person_id or 0, actor=ANN,
                          basis="consent", reason=" ", now=clock.now())
        with pytest.raises(NotFound):
            merge_persons(session, a.force_id + 1, a.person_id or 0, b.person_id or 0, actor=ANN,
                          basis="consent", reason="x", now=clock.now())


def test_an_undone_merge_cannot_be_undone_twice(beacon: Beacon, clock: FakeClock) -> None:
    a = send(beacon, author={"id": "+447700900603"}, text="hello")
    b = send(beacon, author={"id": "+447700900604"}, text="hello again")
    with beacon.session_factory.begin() as session:
        merge = merge_persons(session, a.force_id, a.person_id or 0, b.person_id or 0, actor=ANN,
                              basis="safeguarding", reason="same address and child", now=clock.now())
        unmerge(session, a.force_id, merge.id, actor=ANN, reason="wrong", now=clock.now())
        with pytest.raises(Refused, match="already undone"):
            unmerge(session, a.force_id, merge.id, actor=ANN, reason="again", now=clock.now())


def test_a_number_written_in_a_message_is_a_candidate_not_a_link(beacon: Beacon, clock: FakeClock) -> None:
    mum = send(beacon, author={"id": "+447700900701"}, text="hello")
    friend = send(beacon, **FACEBOOK, author={"id": "555", "name": "Jo"},
                  text="please check on my mum, her number is 07700 900701")
    assert friend.person_id != mum.person_id
    with beacon.read_session_factory() as session:
        [candidate] = candidates_of(session, mum.force_id, mum.person_id or 0)
    assert candidate.status == "open"
    assert [e["kind"] for e in candidate.evidence] == ["phone_in_text"]
    assert candidate.evidence[0]["message_id"] == friend.id


def test_a_crime_number_quoted_by_two_accounts_proposes_them_with_the_name(beacon: Beacon, clock: FakeClock) -> None:
    fb = send(beacon, **FACEBOOK, author={"id": "103", "name": "Dan Wilson"}, text="bike gone, ref WB-46103-25")
    mail = send(beacon, **EMAIL, author={"id": "danw18@example.org", "name": "Dan Wilson"},
                text="Crime reference WB-46103-25: the CCTV above the entrance")
    with beacon.read_session_factory() as session:
        [candidate] = candidates_of(session, fb.force_id, fb.person_id or 0)
    assert {e["kind"] for e in candidate.evidence} == {"case_reference", "similar_name"}
    with beacon.session_factory.begin() as session:
        decided = decide(session, fb.force_id, candidate.id, confirm=True, actor=ANN, reason="same bike, same name",
                         basis="law_enforcement", now=clock.now())
        assert decided.status == "confirmed" and decided.merge_id is not None
        assert session.get_one(Message, mail.id).person_id == fb.person_id


def test_a_rejected_candidate_stays_rejected_with_its_reason(beacon: Beacon, clock: FakeClock) -> None:
    send(beacon, author={"id": "+447700900702"}, text="hi")
    other = send(beacon, **FACEBOOK, author={"id": "556"}, text="my brother is on 07700900702")
    with beacon.session_factory.begin() as session:
        [candidate] = candidates_of(session, other.force_id, other.person_id or 0)
        with pytest.raises(Refused):
            decide(session, other.force_id, candidate.id, confirm=False, actor=ANN, reason="", basis=None,
                   now=clock.now())
        decide(session, other.force_id, candidate.id, confirm=False, actor=ANN, reason="brother, not him",
               basis=None, now=clock.now())
    with beacon.read_session_factory() as session:
        stored = session.get_one(PersonCandidate, candidate.id)
    assert (stored.status, stored.decision_reason) == ("rejected", "brother, not him")


def test_markers_follow_the_person_and_removal_keeps_the_record(beacon: Beacon, clock: FakeClock) -> None:
    a = send(beacon, author={"id": "+447700900801"}, text="hi")
    with beacon.session_factory.begin() as session:
        with pytest.raises(Refused, match="kind"):
            set_marker(session, a.force_id, a.person_id or 0, kind="nuisance", value="x", reason="y",
                       actor=ANN, now=clock.now())
        marker = set_marker(session, a.force_id, a.person_id or 0, kind="preferred_language", value="Polish",
                            reason="wrote in Polish", actor=ANN, now=clock.now())
        assert [m.value for m in active_markers(session, a.person_id or 0)] == ["Polish"]
        remove_marker(session, a.force_id, a.person_id or 0, marker.id, reason="prefers English now", actor=ANN,
                      now=clock.now())
        assert active_markers(session, a.person_id or 0) == []
        assert marker.removed_by_name == "Ann Handler"


def test_four_contacts_in_a_week_on_three_channels_raise_a_flag_each_time(beacon: Beacon, clock: FakeClock) -> None:
    start, number = clock.now(), "+447700900901"
    whatsapp = {"channel": "whatsapp", "channel_account": "109876543210987"}

    def contact(day: int, **fields: object) -> Message:
        text = f"worried about my neighbour again, day {day}"
        return send(beacon, text=text, created_at=(start + timedelta(days=day)).isoformat(), **fields)

    first = contact(0, author={"id": number})
    contact(1, **whatsapp, author={"id": number})
    email = contact(2, **EMAIL, author={"id": "neighbour@example.org"})
    with beacon.session_factory.begin() as session:
        assert session.scalars(select(ContactFlag)).all() == []  # not one person yet: no flag
        merge_persons(session, first.force_id, first.person_id or 0, email.person_id or 0, actor=ANN,
                      basis="consent", reason="she gave us her address", now=clock.now())
    fourth = contact(3, author={"id": number})
    fifth = contact(4, **EMAIL, author={"id": "neighbour@example.org"})
    late = contact(30, author={"id": number})  # outside the week: no flag
    with beacon.read_session_factory() as session:
        flags = session.scalars(select(ContactFlag).order_by(ContactFlag.id)).all()
    assert [(f.message_id, f.rule) for f in flags] == [(fourth.id, "many-channels"), (fifth.id, "many-channels")]
    assert flags[0].detail == "4 contacts in 7 days on 3 channels"
    assert late.id not in {f.message_id for f in flags}
