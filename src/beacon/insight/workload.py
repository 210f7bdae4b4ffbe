"""Workload: queue depth, the oldest P1/P2 nobody has acknowledged, SLA breaches, and who is on
shift with how many open cases each. SLA and rota figures read the case-work tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, of_visible_case, visible_cases
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.insight.scope import FigureScope
from beacon.store.tables import Case, User
from beacon.store.tables_casework import CaseClock, RotaShift

OPEN = [s.value for s in OPEN_STATUSES]
URGENT = ("P1", "P2")


@dataclass(frozen=True)
class Waiting:
    id: int
    reference: str
    title: str
    priority: str
    since: datetime
    minutes: int


@dataclass(frozen=True)
class OnShift:
    name: str
    role: str
    until: datetime
    open_cases: int


@dataclass(frozen=True)
class Workload:
    queue: dict[str, int]  # open cases by priority
    unassigned: int
    oldest_unacknowledged: list[Waiting]
    breaches_open: int  # SLA milestones of open cases past due and still not met
    breaches_today: int  # milestones that breached in the last 24 hours
    staff: list[OnShift]


def workload(session: Session, scope: FigureScope, now: datetime) -> Workload:
    """Counts take in the cases `scope.counted` does (the whole force's unless the force hides
    restricted teams from figures); the cases named are only those the viewer may see, so a
    restricted team's references and titles reach only who may see them."""
    queue, unassigned, load = _open_cases(session, scope.counted)
    return Workload(queue, unassigned, _oldest_unacknowledged(session, scope.named, now),
                    *_breaches(session, scope.counted, now), _staff(session, scope.force_id, now, load))


def _open_cases(session: Session, counted: Access) -> tuple[dict[str, int], int, dict[int, int]]:
    """Open cases by priority, the unassigned count and each holder's load: one grouped read of
    the open cases (three separate counts each walked them again)."""
    rows = session.execute(
        select(Case.priority, Case.assignee_id, func.count(Case.id))
        .where(visible_cases(counted), Case.status.in_(OPEN)).group_by(Case.priority, Case.assignee_id)
    ).all()
    queue = dict.fromkeys(("P1", "P2", "P3", "P4"), 0)
    load: dict[int, int] = {}
    unassigned = 0
    for priority, assignee_id, count in rows:
        if priority in queue:
            queue[priority] += count
        if assignee_id is None:
            unassigned += count
        else:
            load[assignee_id] = load.get(assignee_id, 0) + count
    return queue, unassigned, load


def _oldest_unacknowledged(session: Session, named: Access, now: datetime, limit: int = 5) -> list[Waiting]:
    """Status 'new' means no one has taken the case yet; the citizen has waited since first contact."""
    cases = session.execute(
        select(Case.id, Case.reference, Case.title, Case.priority, Case.first_contact_at)
        .where(visible_cases(named), Case.status == "new", Case.priority.in_(URGENT))
        .order_by(Case.first_contact_at, Case.id).limit(limit)
    ).all()
    return [Waiting(c.id, c.reference, c.title, c.priority, c.first_contact_at,
                    max(0, int((now - c.first_contact_at) / timedelta(minutes=1)))) for c in cases]


def _breaches(session: Session, counted: Access, now: datetime) -> tuple[int, int]:
    """Breached now: on an open case only. A closed case's unmet clock (one merged into another
    case, whose own clocks run on) is nobody's to meet, so it is not a breach still open."""
    of_counted = (CaseClock.force_id == counted.force_id, of_visible_case(CaseClock.case_id, counted))
    running = session.scalar(select(func.count(CaseClock.id)).join(Case, Case.id == CaseClock.case_id).where(
        *of_counted, CaseClock.met_at.is_(None), CaseClock.due_at < now, Case.status.in_(OPEN)))
    today = session.scalar(select(func.count(CaseClock.id)).where(
        *of_counted, CaseClock.breached_at >= now - timedelta(hours=24)))
    return int(running or 0), int(today or 0)


def _staff(session: Session, force_id: int, now: datetime, load: dict[int, int]) -> list[OnShift]:
    rows = session.execute(
        select(User.id, User.display_name, RotaShift.role, func.max(RotaShift.ends_at))
        .join(User, User.id == RotaShift.user_id)
        .where(RotaShift.force_id == force_id, RotaShift.starts_at <= now, RotaShift.ends_at > now)
        .group_by(User.id, User.display_name, RotaShift.role)
        .order_by(User.display_name, User.id)
    ).all()
    return [OnShift(name, role, until, load.get(user_id, 0)) for user_id, name, role, until in rows]
