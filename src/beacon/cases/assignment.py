"""Who holds a case: take, release, reassign with a reason, and assignment by current load.

Every change of hands is a timeline entry and an audit event, so a case's history shows who
held it, when, and why it moved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.audit_events import record
from beacon.cases.escalation import acknowledge_case
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.store.tables import Case, CaseEntry, User


class AssignmentError(ValueError):
    """The change of hands is not allowed as asked (no such colleague, no reason given)."""


def open_load(session: Session, user_ids: list[int]) -> dict[int, int]:
    """How many open cases each person holds now."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Case.assignee_id, func.count(Case.id))
        .where(Case.assignee_id.in_(user_ids), Case.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Case.assignee_id)
    )
    load = dict.fromkeys(user_ids, 0)
    load.update({user_id: count for user_id, count in rows if user_id is not None})
    return load


def least_loaded(session: Session, candidates: list[int]) -> int | None:
    """The candidate holding fewest open cases; ties go to the first listed (rota order)."""
    load = open_load(session, candidates)
    return min(candidates, key=lambda user_id: load[user_id]) if candidates else None


def assign(
    session: Session, case: Case, to_user_id: int | None, actor: Actor, reason: str, now: datetime
) -> CaseEntry | None:
    """Move the case to `to_user_id` (None: back to the queue). No change, no entry."""
    if case.assignee_id == to_user_id:
        return None
    names = _names(session, [i for i in (case.assignee_id, to_user_id) if i is not None])
    if to_user_id is not None and to_user_id not in names:
        raise AssignmentError(f"no colleague {to_user_id}")
    before = names.get(case.assignee_id) if case.assignee_id else None
    after = names.get(to_user_id) if to_user_id else None
    entry = CaseEntry(
        case_id=case.id, kind="assign", user_id=actor.id, created_at=now,
        body=f"{before or 'queue'} → {after or 'queue'}" + (f": {reason}" if reason else ""),
        data={"from": case.assignee_id, "to": to_user_id, "reason": reason},
    )
    session.add(entry)
    case.assignee_id, case.updated_at = to_user_id, now
    record(session, actor, Action.CHANGED, "case", case.id, case.force_id, now, reason or "assigned",
           {"field": "assignee", "from": entry.data["from"], "to": to_user_id})  # type: ignore[index]
    return entry


def take(session: Session, case: Case, actor: Actor, now: datetime) -> CaseEntry | None:
    """Taking a case is acknowledging it: its clock is met and its alerts stop."""
    assert actor.id is not None, "only a person can take a case"
    entry = assign(session, case, actor.id, actor, "taken", now)
    acknowledge_case(session, case, actor, "took the case", now)
    return entry


def release(session: Session, case: Case, actor: Actor, reason: str, now: datetime) -> CaseEntry | None:
    return assign(session, case, None, actor, reason or "released to the queue", now)


def reassign(
    session: Session, case: Case, to_user_id: int, actor: Actor, reason: str, now: datetime
) -> CaseEntry | None:
    """Handing a case to a colleague needs a reason: the next person reads it."""
    if not reason.strip():
        raise AssignmentError("say why the case is moving")
    if _force_of(session, to_user_id) != case.force_id:
        raise AssignmentError(f"no colleague {to_user_id}")
    return assign(session, case, to_user_id, actor, reason.strip(), now)


def _names(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def _force_of(session: Session, user_id: int) -> int | None:
    return session.scalar(select(User.force_id).where(User.id == user_id, User.active.is_(True)))
