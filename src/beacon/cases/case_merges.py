"""Merging a duplicate case into the one that goes on, and undoing it.

A merge moves the merged case's messages, its timeline (messages, notes, status changes,
dispositions: its history), the references citizens quoted on it and the incidents it held
under the surviving case (new reports of them join the survivor); its links and children move
too. The merged case is closed, "merged into" the survivor, and
its reference leads there (`survivor_of`: a citizen quoting it, or a handler moving a message
to it, reaches the survivor). The merge row lists exactly what moved, so unmerging moves it
back and restores the merged case's status; nothing is deleted.

Rules (besides beacon.cases.relations'): supervisors and admins only (beacon.cases.roles); the
survivor is open; neither case is merged already, nor above the other; a restricted team's
case merges only with a case of the same team, since its messages would otherwise become
visible to everyone who sees the survivor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import Access
from beacon.cases.audit_events import record
from beacon.cases.lifecycle import PRIORITY_ORDER, Status, change_status
from beacon.cases.relations import (
    LINK, OPEN, PARENT, RelationRefused, active_merge_of, active_relations, add_relation, check_not_merged,
    checked_reason, end_relation, is_ancestor, lock_relations,
)
from beacon.cases.roles import check_may_merge_cases
from beacon.noise.log import lock_force
from beacon.store.tables import Case, CaseEntry, Message, Team
from beacon.store.tables_noise import IncidentRow
from beacon.store.tables_people import QuotedReference
from beacon.store.tables_relations import CaseMerge, CaseRelation

MAX_CHAIN = 100


def merge_cases(session: Session, access: Access, merged: Case, survivor: Case, actor: Actor, reason: str,
                now: datetime) -> CaseMerge:
    check_may_merge_cases(access)
    why = checked_reason(reason, f"{merged.reference} is the same matter as {survivor.reference}")
    _lock(session, merged.force_id, merged, survivor)
    _check_mergeable(session, merged, survivor)
    moved = _move_contents(session, merged.id, survivor.id)
    ended, made = _move_relations(session, merged, survivor, actor, now)
    merge = CaseMerge(
        force_id=merged.force_id, survivor_id=survivor.id, merged_id=merged.id, **moved,
        relations_ended=ended, relations_made=made, merged_status=merged.status,
        merged_closed_at=merged.closed_at, survivor_priority=survivor.priority,
        survivor_vulnerable=survivor.vulnerable, reason=why, by_user_id=_user_id(actor), by_name=actor.name,
        created_at=now,
    )
    session.add(merge)
    if _rank(merged.priority) < _rank(survivor.priority):
        survivor.priority = merged.priority  # its messages are the survivor's now
    survivor.vulnerable = survivor.vulnerable or merged.vulnerable
    change_status(session, merged, Status.CLOSED, _user_id(actor), now)
    session.flush()
    _entries(session, merged, survivor, actor, "merge", f"Merged into {survivor.reference}: {why}",
             f"Merged from {merged.reference}: {why}", merge.id, now)
    _audit(session, actor, merge, merged, survivor, "merged", why, now)
    return merge


def unmerge_case(session: Session, access: Access, merged: Case, actor: Actor, reason: str,
                 now: datetime) -> CaseMerge:
    """Put back what the merge moved (what is still on the survivor) and the merged case's status."""
    check_may_merge_cases(access)
    why = checked_reason(reason, "the merge was wrong")
    _lock(session, merged.force_id, merged)
    merge = active_merge_of(session, merged.id)
    if merge is None:
        raise RelationRefused(f"{merged.reference} is not merged into another case", "not_merged")
    survivor = session.get_one(Case, merge.survivor_id)
    later = active_merge_of(session, survivor.id)
    if later is not None:
        onward = session.get_one(Case, later.survivor_id)
        raise RelationRefused(f"{survivor.reference} was merged into {onward.reference} since: unmerge that first",
                              "merged_since")
    merge.undone_at, merge.undone_by_name, merge.undo_reason = now, actor.name, why  # first: it may reopen now
    _move_back(session, merge)
    _restore_relations(session, merge, actor, now)
    change_status(session, merged, Status(merge.merged_status), _user_id(actor), now)
    merged.closed_at = merge.merged_closed_at if merge.merged_status == Status.CLOSED.value else None
    _restore_survivor(session, merge, survivor)
    _entries(session, merged, survivor, actor, "unmerge", f"Unmerged from {survivor.reference}: {why}",
             f"Unmerged {merged.reference}: {why}", merge.id, now)
    _audit(session, actor, merge, merged, survivor, "unmerged", why, now)
    return merge


def survivor_of(session: Session, case_id: int) -> int | None:
    """Where a merged case's reference leads: the case it was merged into, followed to the end
    of a chain (merged into a case that was merged in turn). None for a case not merged."""
    found: int | None = None
    current = case_id
    for _ in range(MAX_CHAIN):
        merge = active_merge_of(session, current)
        if merge is None:
            return found
        found = current = merge.survivor_id
    return found


def survivors_of(session: Session, case_ids: set[int]) -> dict[int, int]:
    """`survivor_of` for several cases at once (the batch pipeline's references): merged ones only."""
    redirects = {}
    for case_id in sorted(case_ids):
        survivor = survivor_of(session, case_id)
        if survivor is not None:
            redirects[case_id] = survivor
    return redirects


def _lock(session: Session, force_id: int, *cases: Case) -> None:
    """The relations lock, and the force's noise lock, which the pipeline holds while it decides
    a batch (PostgreSQL): a message attached meanwhile is moved too, or sees the merge."""
    lock_force(session, force_id)
    lock_relations(session, force_id, *cases)


def _check_mergeable(session: Session, merged: Case, survivor: Case) -> None:
    if merged.id == survivor.id:
        raise RelationRefused("a case cannot be merged into itself", "self_relation", conflict=False)
    for case in (merged, survivor):
        check_not_merged(session, case)
    if survivor.status not in OPEN:
        raise RelationRefused(f"{survivor.reference} is closed: merge into an open case, or reopen it first",
                              "case_closed")
    if merged.team_id != survivor.team_id and _restricted(session, merged.team_id, survivor.team_id):
        raise RelationRefused("a restricted team's case merges only with a case of the same team: "
                              "move one of them first", "restricted_merge")
    if is_ancestor(session, merged.id, survivor.id) or is_ancestor(session, survivor.id, merged.id):
        raise RelationRefused("one case is under the other: detach it first", "cycle")


def _restricted(session: Session, *team_ids: int | None) -> bool:
    ids = [t for t in team_ids if t is not None]
    return bool(ids) and bool(session.scalar(select(Team.id).where(Team.id.in_(ids), Team.restricted.is_(True))
                                             .limit(1)))


def _move_contents(session: Session, from_id: int, to_id: int) -> dict[str, list[int]]:
    ids = {
        "message_ids": list(session.scalars(select(Message.id).where(Message.case_id == from_id))),
        "entry_ids": list(session.scalars(select(CaseEntry.id).where(CaseEntry.case_id == from_id))),
        "quoted_ids": list(session.scalars(select(QuotedReference.id).where(QuotedReference.case_id == from_id))),
        "incident_ids": list(session.scalars(select(IncidentRow.id).where(IncidentRow.case_id == from_id))),
    }
    _move(session, ids, to_id, from_case=from_id)
    return ids


def _move_back(session: Session, merge: CaseMerge) -> None:
    """Only what is still on the survivor: a message a handler moved on since stays where they put it."""
    ids = {"message_ids": merge.message_ids, "entry_ids": merge.entry_ids, "quoted_ids": merge.quoted_ids,
           "incident_ids": merge.incident_ids}
    _move(session, ids, merge.merged_id, from_case=merge.survivor_id)


def _move(session: Session, ids: dict[str, list[int]], to_id: int, *, from_case: int) -> None:
    tables = ((Message, "message_ids"), (CaseEntry, "entry_ids"), (QuotedReference, "quoted_ids"),
              (IncidentRow, "incident_ids"))
    for table, key in tables:
        if ids[key]:
            session.execute(update(table).where(table.id.in_(ids[key]), table.case_id == from_case)
                            .values(case_id=to_id))


def _move_relations(session: Session, merged: Case, survivor: Case, actor: Actor,
                    now: datetime) -> tuple[list[int], list[int]]:
    """The merged case's links and children become the survivor's; a link to the survivor itself,
    or one the survivor already has, just ends. Its own parent stays: it is listed there, merged."""
    ended: list[int] = []
    made: list[int] = []
    survivor_links = {r.case_id if r.other_id == survivor.id else r.other_id
                      for r in active_relations(session, survivor.id) if r.kind == LINK}
    for relation in active_relations(session, merged.id):
        if relation.kind == PARENT and relation.case_id == merged.id:
            continue
        end_relation(relation, actor, f"merged into {survivor.reference}", now)
        ended.append(relation.id)
        other_id = relation.other_id if relation.case_id == merged.id else relation.case_id
        if relation.kind == LINK and (other_id == survivor.id or other_id in survivor_links):
            continue
        other = session.get_one(Case, other_id)
        if relation.kind == LINK:
            pair = sorted((survivor, other), key=lambda c: c.id)
            made.append(add_relation(session, LINK, pair[0], pair[1], actor, relation.reason, now).id)
            survivor_links.add(other_id)
        else:  # a child of the merged case: the survivor is not above or below it (checked)
            made.append(add_relation(session, PARENT, other, survivor, actor, relation.reason, now).id)
    return ended, made


def _restore_relations(session: Session, merge: CaseMerge, actor: Actor, now: datetime) -> None:
    for relation in session.scalars(select(CaseRelation).where(CaseRelation.id.in_(merge.relations_made))):
        if relation.ended_at is None:
            end_relation(relation, actor, "merge undone", now)
    for relation in session.scalars(select(CaseRelation).where(CaseRelation.id.in_(merge.relations_ended))):
        if _has_active(session, relation):
            continue
        add_relation(session, relation.kind, session.get_one(Case, relation.case_id),
                     session.get_one(Case, relation.other_id), actor, relation.reason, now)


def _has_active(session: Session, relation: CaseRelation) -> bool:
    """The same relation again, or (for a child) another parent given to it since."""
    query = select(CaseRelation.id).where(CaseRelation.kind == relation.kind, CaseRelation.case_id == relation.case_id,
                                          CaseRelation.ended_at.is_(None))
    if relation.kind == LINK:
        query = query.where(CaseRelation.other_id == relation.other_id)
    return session.scalar(query.limit(1)) is not None


def _restore_survivor(session: Session, merge: CaseMerge, survivor: Case) -> None:
    """The priority and vulnerability the merge raised fall back to what the survivor's own
    messages (those it kept, and any since) call for."""
    rows = session.execute(select(Message.priority, Message.triage).where(
        Message.case_id == survivor.id, Message.direction == "in")).all()
    priorities = [merge.survivor_priority] + [p for p, _ in rows if p in PRIORITY_ORDER]
    survivor.priority = min(priorities, key=_rank)
    survivor.vulnerable = merge.survivor_vulnerable or any((t or {}).get("vulnerabilities") for _, t in rows)


def _entries(session: Session, merged: Case, survivor: Case, actor: Actor, kind: str, on_merged: str,
             on_survivor: str, merge_id: int, now: datetime) -> None:
    data: dict[str, Any] = {"merge_id": merge_id, "merged_case": merged.id, "survivor_case": survivor.id}
    for case, body in ((merged, on_merged), (survivor, on_survivor)):
        case.updated_at = now
        session.add(CaseEntry(case_id=case.id, kind=kind, user_id=_user_id(actor), body=body, data=data,
                              created_at=now))


def _audit(session: Session, actor: Actor, merge: CaseMerge, merged: Case, survivor: Case, change: str,
           reason: str, now: datetime) -> None:
    data = {"field": "merge", "change": change, "merge_id": merge.id, "merged_case": merged.id,
            "survivor_case": survivor.id, "messages": len(merge.message_ids), "entries": len(merge.entry_ids)}
    record(session, actor, Action.CHANGED, "case", merged.id, merged.force_id, now,
           f"{change} into {survivor.reference}: {reason}"[:1000], data)
    record(session, actor, Action.CHANGED, "case", survivor.id, survivor.force_id, now,
           f"{merged.reference} {change}: {reason}"[:1000], data)


def _rank(priority: str) -> int:
    return PRIORITY_ORDER.index(priority) if priority in PRIORITY_ORDER else len(PRIORITY_ORDER)


def _user_id(actor: Actor) -> int | None:
    return actor.id if actor.kind == "user" else None
