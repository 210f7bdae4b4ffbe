"""Cases that relate: a link between two cases (symmetric), and a case's parent (one parent,
many children, no cycles). Merging cases is beacon.cases.case_merges.

Every rule is here, for the pages, the JSON API and the command line alike:

- Both cases are the force's and seen by whoever relates them: callers look the other case up
  with `find_case`, which raises `Hidden` (the 404 of a case that does not exist) otherwise.
- A case is not related to itself, a merged case is not related at all (its survivor is), a
  closed case takes no new child (reopen it first), and no case is its own ancestor.
- Every change says why, and is audited on both cases (who, when, why); ending a relation
  stamps it, so the row still says who made it and who ended it.
- Lists (`relations_of`) name only the cases the viewer may see: a link to a restricted team's
  case is not there at all for someone outside the team.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import NOT_FOUND, RESTRICTED_TEAM, Access, Hidden, case_for
from beacon.cases.audit_events import record
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.cases.relation_errors import RelationRefused
from beacon.store.tables import Case
from beacon.store.tables_relations import CaseMerge, CaseRelation

__all__ = ["RelationRefused"]  # raised here; defined apart for lifecycle's sake
LINK, PARENT = "link", "parent"
OPEN = frozenset(s.value for s in OPEN_STATUSES)
MAX_DEPTH = 100  # a hierarchy deeper than this is a bug, not a force's work
# The PostgreSQL advisory lock space of relation changes, one lock per force: a cycle check and
# the parent it allows must not interleave with another's (SQLite: writers are serial already).
LOCK_SPACE = zlib.crc32(b"beacon:case-relations") & 0x7FFFFFFF


@dataclass(frozen=True)
class Related:
    """The other case of a relation, as a list shows it."""

    relation_id: int
    case: Case
    reason: str
    by_name: str
    at: datetime


@dataclass(frozen=True)
class MergeLine:
    merge: CaseMerge
    case: Case  # the other case of the merge


@dataclass(frozen=True)
class Relations:
    related: list[Related]
    parent: Related | None
    children: list[Related]
    merged_into: MergeLine | None
    merged_from: list[MergeLine]


def lock_relations(session: Session, force_id: int, *cases: Case) -> None:
    """The force's relations lock, then `cases` read again: a status changed by someone who held
    the lock before us is what the rules must see."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :force)"), {"space": LOCK_SPACE, "force": force_id})
        for case in cases:
            session.refresh(case)


def find_case(session: Session, access: Access, *, case_id: int | None = None, reference: str | None = None) -> Case:
    """The other case of a change, by id or by reference (what a handler reads off a screen),
    under the same wall as the case in the path."""
    if case_id is not None:
        return case_for(session, access, case_id)
    wanted = (reference or "").strip().upper()
    if not wanted:
        raise RelationRefused("name the other case (its reference or id)", "case_required", conflict=False)
    case = session.scalar(select(Case).where(Case.force_id == access.force_id, Case.reference == wanted))
    if case is None:
        raise Hidden("case", wanted, NOT_FOUND)
    if not access.sees_case(case):
        raise Hidden("case", wanted, RESTRICTED_TEAM)
    return case


def active_merge_of(session: Session, case_id: int) -> CaseMerge | None:
    """The merge that closed this case into another, while it stands."""
    return session.scalar(select(CaseMerge).where(CaseMerge.merged_id == case_id, CaseMerge.undone_at.is_(None)))


def check_not_merged(session: Session, case: Case) -> None:
    merge = active_merge_of(session, case.id)
    if merge is not None:
        survivor = session.get_one(Case, merge.survivor_id)
        raise RelationRefused(f"{case.reference} was merged into {survivor.reference}: use that case",
                              "case_merged")


def checked_reason(reason: str, what: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise RelationRefused(f"say why {what}", "reason_required", conflict=False)
    if len(cleaned) > 1000:
        raise RelationRefused("the reason is longer than 1000 characters", "reason_too_long", conflict=False)
    return cleaned


# --- links ---------------------------------------------------------------------------------

def link_cases(session: Session, case: Case, other: Case, actor: Actor, reason: str, now: datetime) -> CaseRelation:
    why = checked_reason(reason, "these cases are related")
    lock_relations(session, case.force_id, case, other)
    _not_itself(case, other, "linked to itself")
    for each in (case, other):
        check_not_merged(session, each)
    if _active_link(session, case.id, other.id) is not None:
        raise RelationRefused(f"{case.reference} and {other.reference} are already linked", "already_linked")
    low, high = sorted((case, other), key=lambda c: c.id)
    relation = add_relation(session, LINK, low, high, actor, why, now)
    _audit_both(session, actor, relation, case, other, "linked", why, now)
    return relation


def unlink_cases(session: Session, case: Case, other: Case, actor: Actor, reason: str, now: datetime) -> CaseRelation:
    why = checked_reason(reason, "the link is wrong")
    lock_relations(session, case.force_id)
    relation = _active_link(session, case.id, other.id)
    if relation is None:
        raise RelationRefused(f"{case.reference} and {other.reference} are not linked", "not_linked")
    end_relation(relation, actor, why, now)
    _audit_both(session, actor, relation, case, other, "unlinked", why, now)
    return relation


# --- parent and children -------------------------------------------------------------------

def set_parent(session: Session, child: Case, parent: Case, actor: Actor, reason: str, now: datetime) -> CaseRelation:
    why = checked_reason(reason, f"{child.reference} belongs under {parent.reference}")
    lock_relations(session, child.force_id, child, parent)
    _not_itself(child, parent, "its own parent")
    for each in (child, parent):
        check_not_merged(session, each)
    if parent.status not in OPEN:
        raise RelationRefused(f"{parent.reference} is closed and takes no new child: reopen it first", "case_closed")
    current = parent_relation(session, child.id)
    if current is not None:
        held = session.get_one(Case, current.other_id)
        raise RelationRefused(f"{child.reference} is already under {held.reference}: detach it first", "has_parent")
    if is_ancestor(session, child.id, parent.id):
        raise RelationRefused(f"{parent.reference} is under {child.reference} already: that would be a cycle", "cycle")
    relation = add_relation(session, PARENT, child, parent, actor, why, now)
    _audit_both(session, actor, relation, child, parent, "parent set", why, now)
    return relation


def detach(session: Session, child: Case, actor: Actor, reason: str, now: datetime) -> CaseRelation:
    why = checked_reason(reason, f"{child.reference} no longer belongs under its parent")
    lock_relations(session, child.force_id)
    relation = parent_relation(session, child.id)
    if relation is None:
        raise RelationRefused(f"{child.reference} has no parent", "no_parent")
    end_relation(relation, actor, why, now)
    _audit_both(session, actor, relation, child, session.get_one(Case, relation.other_id), "detached", why, now)
    return relation


def parent_relation(session: Session, child_id: int) -> CaseRelation | None:
    return session.scalar(select(CaseRelation).where(
        CaseRelation.kind == PARENT, CaseRelation.case_id == child_id, CaseRelation.ended_at.is_(None)))


def is_ancestor(session: Session, ancestor_id: int, case_id: int) -> bool:
    """Whether `ancestor_id` is `case_id` or above it (its parent, its parent's parent, …)."""
    current: int | None = case_id
    for _ in range(MAX_DEPTH):
        if current is None:
            return False
        if current == ancestor_id:
            return True
        relation = parent_relation(session, current)
        current = relation.other_id if relation else None
    return True  # deeper than any real hierarchy: refuse rather than risk a loop


# --- rows, shared with merges --------------------------------------------------------------

def add_relation(session: Session, kind: str, case: Case, other: Case, actor: Actor, reason: str,
                 now: datetime) -> CaseRelation:
    relation = CaseRelation(force_id=case.force_id, kind=kind, case_id=case.id, other_id=other.id, reason=reason,
                            by_user_id=actor.id if actor.kind == "user" else None, by_name=actor.name,
                            created_at=now)
    session.add(relation)
    session.flush()
    return relation


def end_relation(relation: CaseRelation, actor: Actor, reason: str, now: datetime) -> None:
    relation.ended_at, relation.ended_by_name, relation.end_reason = now, actor.name, reason


def active_relations(session: Session, case_id: int) -> list[CaseRelation]:
    return list(session.scalars(select(CaseRelation).where(
        or_(CaseRelation.case_id == case_id, CaseRelation.other_id == case_id),
        CaseRelation.ended_at.is_(None)).order_by(CaseRelation.id)))


def _active_link(session: Session, a: int, b: int) -> CaseRelation | None:
    low, high = sorted((a, b))
    return session.scalar(select(CaseRelation).where(
        CaseRelation.kind == LINK, CaseRelation.case_id == low, CaseRelation.other_id == high,
        CaseRelation.ended_at.is_(None)))


def _not_itself(case: Case, other: Case, what: str) -> None:
    if case.id == other.id:
        raise RelationRefused(f"a case cannot be {what}", "self_relation", conflict=False)


def _audit_both(session: Session, actor: Actor, relation: CaseRelation, case: Case, other: Case, change: str,
                reason: str, now: datetime) -> None:
    for this, that in ((case, other), (other, case)):
        record(session, actor, Action.CHANGED, "case", this.id, this.force_id, now,
               f"{change} with {that.reference}: {reason}"[:1000],
               {"field": "relations", "relation": relation.kind, "change": change, "relation_id": relation.id,
                "other_case": that.id, "other_reference": that.reference})


# --- reading, for the case page and the API ------------------------------------------------

def relations_of(session: Session, access: Access, case: Case) -> Relations:
    """What relates to `case`, naming only the cases this viewer may see."""
    rows = active_relations(session, case.id)
    merges = list(session.scalars(select(CaseMerge).where(
        or_(CaseMerge.survivor_id == case.id, CaseMerge.merged_id == case.id),
        CaseMerge.undone_at.is_(None)).order_by(CaseMerge.id)))
    wanted = {r.other_id if r.case_id == case.id else r.case_id for r in rows}
    wanted |= {m.merged_id if m.survivor_id == case.id else m.survivor_id for m in merges}
    seen = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(sorted(wanted))))
            if access.sees_case(c)} if wanted else {}
    related, children, parent = [], [], None
    for row in rows:
        other_id = row.other_id if row.case_id == case.id else row.case_id
        if other_id not in seen:
            continue
        line = Related(row.id, seen[other_id], row.reason, row.by_name, row.created_at)
        if row.kind == LINK:
            related.append(line)
        elif row.case_id == case.id:
            parent = line
        else:
            children.append(line)
    into = [MergeLine(m, seen[m.survivor_id]) for m in merges if m.merged_id == case.id and m.survivor_id in seen]
    from_ = [MergeLine(m, seen[m.merged_id]) for m in merges if m.survivor_id == case.id and m.merged_id in seen]
    return Relations(related, parent, children, into[0] if into else None, from_)

