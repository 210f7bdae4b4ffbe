"""Cases that relate (issue 16 point 4), the service: links (symmetric), parent and children (one
parent, no cycles), merges that move messages, notes and history and are undone exactly, the
merged reference leading to the survivor on both pipeline paths; every change audited on both
cases. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.access import Access, Hidden, access_of
from beacon.cases.case_merges import merge_cases, survivor_of, unmerge_case
from beacon.cases.lifecycle import Status, add_note, change_status
from beacon.cases.relations import (
    RelationRefused, detach, find_case, link_cases, relations_of, set_parent, unlink_cases,
)
from beacon.cases.roles import CaseForbidden
from beacon.cases.teams import team_named
from beacon.pipeline.runner import Pipeline
from beacon.staff.accounts import Role
from beacon.store.tables import Case, CaseEntry, Message, User
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_noise import IncidentRow
from beacon.store.tables_relations import CaseRelation
from tests.builders import inbound
from tests.casework.casework_builders import case_from, staff
from tests.test_restricted_teams import restrict_safeguarding

TEXTS = ["Someone smashed my car window on Harehills Lane", "My bike was stolen from the station",
         "My purse was stolen at the Crown pub", "They smashed the school's front door", "Tools stolen from my shed"]


@pytest.fixture
def desk(any_beacon: Beacon) -> Iterator[Beacon]:
    staff(any_beacon, "hal")
    staff(any_beacon, "sue", Role.SUPERVISOR)
    yield any_beacon


def _cases(beacon: Beacon, n: int) -> list[int]:
    return [case_from(beacon, TEXTS[i], author={"id": f"+44770090070{i}"}) for i in range(n)]


def _as(beacon: Beacon, username: str, work: Callable[[Session, Access, Actor, Callable[[int], Case]], Any]) -> Any:
    with beacon.session_factory.begin() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        access = access_of(session, user)
        return work(session, access, Actor("user", user.id, user.display_name),
                    lambda i: find_case(session, access, case_id=i))


def _refused(beacon: Beacon, username: str, work: Callable[..., Any]) -> RelationRefused:
    with pytest.raises(RelationRefused) as caught:
        _as(beacon, username, work)
    return caught.value


def _audit(beacon: Beacon, case_id: int) -> list[str]:
    with beacon.read_session_factory() as session:
        return [e.reason for e in session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id),
            AuditEvent.data["field"].as_string().in_(["relations", "merge"])).order_by(AuditEvent.id))]


def test_a_link_is_symmetric_audited_on_both_cases_and_undone_by_unlinking(desk: Beacon) -> None:
    a, b = _cases(desk, 2)
    _as(desk, "hal", lambda s, acc, me, case: link_cases(s, case(b), case(a), me, "same street, same night",
                                                         desk.clock.now()))
    with desk.read_session_factory() as session:
        access = access_of(session, session.scalars(select(User).where(User.username == "hal")).one())
        seen_from_a = relations_of(session, access, session.get_one(Case, a)).related
        seen_from_b = relations_of(session, access, session.get_one(Case, b)).related
    assert [r.case.id for r in seen_from_a] == [b] and [r.case.id for r in seen_from_b] == [a]
    assert seen_from_a[0].by_name == "Hal" and seen_from_a[0].reason == "same street, same night"
    refused = _refused(desk, "hal", lambda s, acc, me, case: link_cases(s, case(a), case(b), me, "again",
                                                                       desk.clock.now()))
    assert refused.code == "already_linked"
    _as(desk, "hal", lambda s, acc, me, case: unlink_cases(s, case(a), case(b), me, "different cars",
                                                           desk.clock.now()))
    with desk.read_session_factory() as session:
        [row] = session.scalars(select(CaseRelation)).all()
    assert row.ended_at is not None and row.ended_by_name == "Hal" and row.end_reason == "different cars"
    for case_id, other in ((a, b), (b, a)):
        reference = _reference(desk, other)
        assert _audit(desk, case_id) == [f"linked with {reference}: same street, same night",
                                         f"unlinked with {reference}: different cars"]


def test_a_link_says_why_and_never_joins_a_case_to_itself(desk: Beacon) -> None:
    [a, b] = _cases(desk, 2)
    assert _refused(desk, "hal", lambda s, acc, me, case: link_cases(
        s, case(a), case(a), me, "x", desk.clock.now())).code == "self_relation"
    why = _refused(desk, "hal", lambda s, acc, me, case: link_cases(s, case(a), case(b), me, "  ", desk.clock.now()))
    assert why.code == "reason_required" and not why.conflict
    assert _refused(desk, "hal", lambda s, acc, me, case: unlink_cases(
        s, case(a), case(b), me, "x", desk.clock.now())).code == "not_linked"


def test_a_child_has_one_parent_no_cycle_and_a_closed_case_takes_no_new_child(desk: Beacon) -> None:
    top, middle, low, other = _cases(desk, 4)
    now = desk.clock.now()
    _as(desk, "hal", lambda s, acc, me, case: set_parent(s, case(middle), case(top), me, "one operation", now))
    _as(desk, "hal", lambda s, acc, me, case: set_parent(s, case(low), case(middle), me, "same suspect", now))
    cycle = _refused(desk, "hal", lambda s, acc, me, case: set_parent(s, case(top), case(low), me, "loop", now))
    assert cycle.code == "cycle" and "would be a cycle" in cycle.detail
    assert _refused(desk, "hal", lambda s, acc, me, case: set_parent(
        s, case(top), case(top), me, "self", now)).code == "self_relation"
    assert _refused(desk, "hal", lambda s, acc, me, case: set_parent(
        s, case(low), case(other), me, "second parent", now)).code == "has_parent"
    _as(desk, "hal", lambda s, acc, me, case: change_status(s, case(other), Status.CLOSED, me.id, now))
    closed = _refused(desk, "hal", lambda s, acc, me, case: set_parent(s, case(top), case(other), me, "x", now))
    assert closed.code == "case_closed"
    with desk.read_session_factory() as session:
        access = access_of(session, session.scalars(select(User).where(User.username == "hal")).one())
        middle_view = relations_of(session, access, session.get_one(Case, middle))
    assert middle_view.parent is not None and middle_view.parent.case.id == top
    assert [c.case.id for c in middle_view.children] == [low]
    _as(desk, "hal", lambda s, acc, me, case: detach(s, case(low), me, "not the same suspect", now))
    assert _refused(desk, "hal", lambda s, acc, me, case: detach(s, case(low), me, "again", now)).code == "no_parent"
    _as(desk, "hal", lambda s, acc, me, case: set_parent(s, case(top), case(low), me, "now it may", now))


def _merge(beacon: Beacon, merged: int, survivor: int, who: str = "sue") -> Any:
    return _as(beacon, who, lambda s, acc, me, case: merge_cases(
        s, acc, case(merged), case(survivor), me, "the same burglary", beacon.clock.now()))


def _unmerge(beacon: Beacon, merged: int, who: str = "sue") -> Any:
    return _as(beacon, who, lambda s, acc, me, case: unmerge_case(s, acc, case(merged), me, "two burglaries",
                                                                  beacon.clock.now()))


def _contents(beacon: Beacon, case_id: int) -> tuple[set[int], set[int]]:
    with beacon.read_session_factory() as session:
        messages = set(session.scalars(select(Message.id).where(Message.case_id == case_id)))
        entries = set(session.scalars(select(CaseEntry.id).where(CaseEntry.case_id == case_id)))
    return messages, entries


def test_a_merge_moves_messages_notes_and_history_and_closes_the_case_as_merged(desk: Beacon) -> None:
    survivor, merged = _cases(desk, 2)
    with desk.session_factory.begin() as session:
        case = session.get_one(Case, merged)
        add_note(session, case, 1, "called back, no answer", desk.clock.now())
        change_status(session, case, Status.OPEN, 1, desk.clock.now())
        case.priority, case.vulnerable = "P1", True
    moving_messages, moving_entries = _contents(desk, merged)
    merge = _merge(desk, merged, survivor)
    messages, entries = _contents(desk, survivor)
    assert moving_messages <= messages and moving_entries <= entries
    assert set(merge.message_ids) == moving_messages and set(merge.entry_ids) == moving_entries
    with desk.read_session_factory() as session:
        gone, kept = session.get_one(Case, merged), session.get_one(Case, survivor)
        left = [e.kind for e in session.scalars(select(CaseEntry).where(CaseEntry.case_id == merged))]
        assert session.scalars(select(Message.id).where(Message.case_id == merged)).all() == []
        merged_line = [e.body for e in session.scalars(select(CaseEntry).where(
            CaseEntry.case_id == merged, CaseEntry.kind == "merge"))]
        assert (gone.status, gone.closed_at is not None) == ("closed", True)
        assert (kept.priority, kept.vulnerable) == ("P1", True)  # its messages are the survivor's now
    assert left == ["status", "merge"] and merged_line == [f"Merged into {kept.reference}: the same burglary"]
    assert _audit(desk, merged) == [f"merged into {kept.reference}: the same burglary"]
    assert _audit(desk, survivor) == [f"{gone.reference} merged: the same burglary"]
    with desk.read_session_factory() as session:
        assert survivor_of(session, merged) == survivor and survivor_of(session, survivor) is None


def test_a_merged_case_is_not_reopened_and_its_incident_follows_the_merge(desk: Beacon) -> None:
    survivor, merged = _cases(desk, 2)
    now = desk.clock.now()
    with desk.session_factory.begin() as session:
        first = session.scalars(select(Message.id).where(Message.case_id == merged)).one()
        incident = IncidentRow(force_id=1, key="test-incident", title="window", first_message_id=first,
                               first_at=now, last_at=now, messages=1, reports=1, case_id=merged)
        session.add(incident)
        session.flush()
        incident_id = incident.id
    _merge(desk, merged, survivor)
    for status in (Status.OPEN, Status.NEW, Status.WAITING):
        refused = _refused(desk, "sue", lambda s, acc, me, case: change_status(s, case(merged), status, me.id, now))
        assert refused.code == "case_merged" and "unmerge it to reopen it" in refused.detail
    with desk.read_session_factory() as session:
        assert session.get_one(IncidentRow, incident_id).case_id == survivor  # new reports join the survivor
    _unmerge(desk, merged)
    with desk.read_session_factory() as session:
        assert session.get_one(IncidentRow, incident_id).case_id == merged


def test_unmerge_puts_back_what_moved_and_the_status_before(desk: Beacon) -> None:
    survivor, merged = _cases(desk, 2)
    with desk.session_factory.begin() as session:
        session.get_one(Case, merged).priority = "P1"
    before_survivor, before_merged = _contents(desk, survivor), _contents(desk, merged)
    with desk.read_session_factory() as session:
        status_before, priority_before = session.get_one(Case, merged).status, session.get_one(Case, survivor).priority
    _merge(desk, merged, survivor)
    _unmerge(desk, merged)
    after_survivor, after_merged = _contents(desk, survivor), _contents(desk, merged)
    assert after_survivor[0] == before_survivor[0] and after_merged[0] == before_merged[0]
    assert before_merged[1] <= after_merged[1] and not (before_merged[1] & after_survivor[1])
    with desk.read_session_factory() as session:
        assert session.get_one(Case, merged).status == status_before
        assert session.get_one(Case, merged).closed_at is None
        assert session.get_one(Case, survivor).priority == priority_before
        assert survivor_of(session, merged) is None
    assert _refused(desk, "sue", lambda s, acc, me, case: unmerge_case(
        s, acc, case(merged), me, "again", desk.clock.now())).code == "not_merged"
    assert _audit(desk, merged)[-1].startswith("unmerged into ")


def test_a_merge_carries_links_and_children_over_and_unmerge_brings_them_back(desk: Beacon) -> None:
    survivor, merged, linked, child, shared = _cases(desk, 5)
    now = desk.clock.now()
    _as(desk, "hal", lambda s, acc, me, case: link_cases(s, case(merged), case(linked), me, "same van", now))
    _as(desk, "hal", lambda s, acc, me, case: link_cases(s, case(merged), case(survivor), me, "dup?", now))
    _as(desk, "hal", lambda s, acc, me, case: link_cases(s, case(merged), case(shared), me, "both", now))
    _as(desk, "hal", lambda s, acc, me, case: link_cases(s, case(survivor), case(shared), me, "both", now))
    _as(desk, "hal", lambda s, acc, me, case: set_parent(s, case(child), case(merged), me, "part of it", now))
    _merge(desk, merged, survivor)
    view = _view(desk, survivor)
    assert sorted(r.case.id for r in view.related) == sorted([linked, shared])
    assert [c.case.id for c in view.children] == [child]
    assert [m.case.id for m in view.merged_from] == [merged]
    merged_view = _view(desk, merged)
    assert merged_view.merged_into is not None and merged_view.merged_into.case.id == survivor
    assert merged_view.related == [] and merged_view.children == []
    _unmerge(desk, merged)
    back = _view(desk, merged)
    assert sorted(r.case.id for r in back.related) == sorted([linked, survivor, shared])
    assert [c.case.id for c in back.children] == [child] and back.merged_into is None
    assert sorted(r.case.id for r in _view(desk, survivor).related) == sorted([shared, merged])


def _view(beacon: Beacon, case_id: int, username: str = "sue") -> Any:
    with beacon.read_session_factory() as session:
        access = access_of(session, session.scalars(select(User).where(User.username == username)).one())
        return relations_of(session, access, session.get_one(Case, case_id))


def test_merging_is_a_supervisors_and_keeps_to_its_rules(desk: Beacon) -> None:
    survivor, merged, other, child = _cases(desk, 4)
    now = desk.clock.now()
    with pytest.raises(CaseForbidden, match="supervisor or admin"):
        _merge(desk, merged, survivor, who="hal")
    assert _refused(desk, "sue", lambda s, acc, me, case: merge_cases(
        s, acc, case(merged), case(merged), me, "x", now)).code == "self_relation"
    _as(desk, "hal", lambda s, acc, me, case: set_parent(s, case(child), case(other), me, "part", now))
    assert _refused(desk, "sue", lambda s, acc, me, case: merge_cases(
        s, acc, case(child), case(other), me, "x", now)).code == "cycle"
    _as(desk, "sue", lambda s, acc, me, case: change_status(s, case(other), Status.CLOSED, me.id, now))
    assert _refused(desk, "sue", lambda s, acc, me, case: merge_cases(
        s, acc, case(merged), case(other), me, "x", now)).code == "case_closed"
    _merge(desk, merged, survivor)
    for work in (lambda s, acc, me, case: merge_cases(s, acc, case(merged), case(child), me, "x", now),
                 lambda s, acc, me, case: merge_cases(s, acc, case(child), case(merged), me, "x", now),
                 lambda s, acc, me, case: link_cases(s, case(merged), case(child), me, "x", now),
                 lambda s, acc, me, case: set_parent(s, case(child), case(merged), me, "x", now)):
        refused = _refused(desk, "sue", work)
        assert refused.code in ("case_merged", "has_parent") and refused.conflict
    assert "was merged into" in _refused(desk, "sue", lambda s, acc, me, case: link_cases(
        s, case(merged), case(child), me, "x", now)).detail


def test_a_restricted_case_merges_only_within_its_team_and_stays_hidden(desk: Beacon) -> None:
    restrict_safeguarding(desk)
    open_case, hidden = _cases(desk, 2)
    with desk.session_factory.begin() as session:
        session.get_one(Case, hidden).team_id = team_named(session, 1, "Safeguarding").id
    refused = _refused(desk, "sue", lambda s, acc, me, case: merge_cases(
        s, acc, case(hidden), case(open_case), me, "x", desk.clock.now()))
    assert refused.code == "restricted_merge"
    with pytest.raises(Hidden):  # a handler outside the team cannot even name it
        _as(desk, "hal", lambda s, acc, me, case: link_cases(s, case(open_case), case(hidden), me, "x",
                                                             desk.clock.now()))
    _as(desk, "sue", lambda s, acc, me, case: link_cases(s, case(open_case), case(hidden), me, "same family",
                                                         desk.clock.now()))
    assert [r.case.id for r in _view(desk, open_case, "sue").related] == [hidden]
    assert _view(desk, open_case, "hal").related == []  # not there at all for an outsider


@pytest.mark.parametrize("path", ["batch", "one at a time"])
def test_a_message_quoting_a_merged_reference_joins_the_survivor(
    desk: Beacon, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    survivor, merged = _cases(desk, 2)
    _merge(desk, merged, survivor)
    if path == "one at a time":
        monkeypatch.setattr(Pipeline, "_run_batch", lambda self, session, ids: None)
    reference = _reference(desk, merged)
    [accepted] = desk.ingest([inbound(text=f"Any news on {reference}? They came back tonight",
                                      author={"id": "+447700900799"})])
    with desk.read_session_factory() as session:
        assert session.get_one(Message, accepted.message_id).case_id == survivor


def _reference(beacon: Beacon, case_id: int) -> str:
    with beacon.read_session_factory() as session:
        return session.get_one(Case, case_id).reference
