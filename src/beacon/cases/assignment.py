"""Who holds a case: take, release, reassign with a reason, and assignment by current load.

Every change of hands is a timeline entry and an audit event, so a case's history shows who
held it, when, and why it moved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import Access, access_of
from beacon.cases.audit_events import record
from beacon.cases.roles import CaseForbidden, check_may_move_team, check_may_reassign, may_move_team, may_reassign
from beacon.cases.escalation import acknowledge_case
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.store.tables import Case, CaseEntry, Team, User


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


def reassign_as(
    session: Session, access: Access, case: Case, to_user_id: int, actor: Actor, reason: str, now: datetime
) -> CaseEntry | None:
    """Reassign as `access`'s user may (beacon.cases.roles): the pages, the API and the CLI."""
    target = session.get(User, to_user_id)
    if target is None or not target.active or target.force_id != case.force_id:
        raise AssignmentError(f"no colleague {to_user_id}")
    check_may_reassign(access, case, access_of(session, target))
    return reassign(session, case, to_user_id, actor, reason, now)


def move_to_team_as(
    session: Session, access: Access, case: Case, team_id: int, actor: Actor, reason: str, now: datetime
) -> CaseEntry | None:
    """Move the case to another queue as `access`'s user may (beacon.cases.roles)."""
    team = session.get(Team, team_id)
    if team is None or team.force_id != case.force_id:
        raise AssignmentError(f"no team {team_id}")
    check_may_move_team(access, case, team)
    return move_to_team(session, case, team, actor, reason, now)


def move_to_team(
    session: Session, case: Case, team: Team, actor: Actor, reason: str, now: datetime
) -> CaseEntry | None:
    """A case moved into a restricted team leaves a holder who could not see it there: it goes
    back to that team's queue, so the case is never held by someone it is hidden from."""
    if case.team_id == team.id:
        return None
    if not reason.strip():
        raise AssignmentError("say why the case is moving")
    before = session.get(Team, case.team_id) if case.team_id else None
    entry = CaseEntry(case_id=case.id, kind="team", user_id=actor.id, created_at=now,
                      body=f"{before.name if before else 'no queue'} → {team.name}: {reason.strip()}",
                      data={"from": case.team_id, "to": team.id, "reason": reason.strip()})
    session.add(entry)
    record(session, actor, Action.CHANGED, "case", case.id, case.force_id, now, reason.strip(),
           {"field": "team", "from": case.team_id, "to": team.id})
    case.team_id, case.updated_at = team.id, now
    holder = session.get(User, case.assignee_id) if case.assignee_id else None
    if holder is not None and not access_of(session, holder).sees_case(case):
        assign(session, case, None, actor, f"moved to {team.name}, which the holder is not in", now)
    return entry


def reassign_choices(session: Session, access: Access, case: Case) -> list[User]:
    """Colleagues `access`'s user may hand this case to: the case page offers only these."""
    if not may_reassign(access, case):
        return []
    staff = session.scalars(select(User).where(User.force_id == case.force_id, User.active.is_(True))
                            .order_by(User.display_name))
    return [user for user in staff if user.id != case.assignee_id and _allowed(
        lambda u=user: check_may_reassign(access, case, access_of(session, u)))]


def team_choices(session: Session, access: Access, case: Case) -> list[Team]:
    """Queues `access`'s user may move this case into (not the one it is in)."""
    if not may_move_team(access, case):
        return []
    teams = session.scalars(select(Team).where(Team.force_id == case.force_id, Team.id != (case.team_id or 0))
                            .order_by(Team.name))
    return [team for team in teams if _allowed(lambda t=team: check_may_move_team(access, case, t))]


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except CaseForbidden:
        return False
    return True


def _names(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def _force_of(session: Session, user_id: int) -> int | None:
    return session.scalar(select(User.force_id).where(User.id == user_id, User.active.is_(True)))
