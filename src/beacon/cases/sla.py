"""SLA clocks: each open case's milestones (acknowledge, first reply), their warnings, breaches.

A breach is recorded on its clock (`breached_at`) and counted from there; the case page and
lists show it. Clocks start on the case-work tick after a case opens (from when it was opened), so the
pipeline stays fast and a case opened while Beacon was down still gets its clock. Due times
run on the queue's calendar; a raised priority replans the unmet clocks from that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from beacon.cases.calendars import add_open_minutes
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.cases.settings import CaseworkSettings
from beacon.store.tables import Case, CaseEntry, Team
from beacon.store.tables_casework import CaseClock

MILESTONE_LABELS = {"acknowledge": "Acknowledge", "first_reply": "First reply"}
_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass
class ClockTick:
    started: list[CaseClock] = field(default_factory=list)
    met: list[CaseClock] = field(default_factory=list)
    warned: list[CaseClock] = field(default_factory=list)
    breached: list[CaseClock] = field(default_factory=list)


def plan_clock(
    settings: CaseworkSettings, case: Case, queue: str | None, milestone: str, start: datetime
) -> tuple[datetime, datetime]:
    """(warn_at, due_at) for one milestone. A P1 runs on the wall clock whatever the queue."""
    minutes = settings.milestones_for(case.priority)[milestone]  # type: ignore[index]
    calendar = settings.calendar_for_queue(None if case.priority == "P1" else queue)
    warn_at = add_open_minutes(start, minutes * settings.warn_at_fraction, calendar)
    return warn_at, add_open_minutes(start, minutes, calendar)


def start_clocks(
    session: Session, settings: CaseworkSettings, case: Case, queue: str | None, start: datetime
) -> list[CaseClock]:
    clocks = []
    for milestone in settings.milestones_for(case.priority):
        warn_at, due_at = plan_clock(settings, case, queue, milestone, start)
        clocks.append(CaseClock(force_id=case.force_id, case_id=case.id, milestone=milestone,
                                priority=case.priority, started_at=start, warn_at=warn_at, due_at=due_at))
    session.add_all(clocks)
    return clocks


def meet(session: Session, case_id: int, milestone: str, user_id: int | None, now: datetime) -> CaseClock | None:
    clock = session.scalar(
        select(CaseClock).where(CaseClock.case_id == case_id, CaseClock.milestone == milestone,
                                CaseClock.met_at.is_(None))
    )
    if clock is not None:
        clock.met_at, clock.met_by = now, user_id
    return clock


def tick_clocks(session: Session, settings: CaseworkSettings, now: datetime) -> ClockTick:
    tick = ClockTick()
    tick.started = _start_missing(session, settings)
    _replan_raised(session, settings, now)
    tick.met = _meet_first_replies(session)
    tick.warned = _mark_due(session, CaseClock.warn_at, "warned_at", now)
    tick.breached = _mark_due(session, CaseClock.due_at, "breached_at", now)
    session.flush()
    return tick


def _start_missing(session: Session, settings: CaseworkSettings) -> list[CaseClock]:
    has_clock = exists().where(CaseClock.case_id == Case.id)
    rows = session.execute(
        select(Case, Team.name).outerjoin(Team, Team.id == Case.team_id)
        .where(Case.status.in_(_OPEN), ~has_clock)
    ).all()
    started: list[CaseClock] = []
    for case, queue in rows:
        started += start_clocks(session, settings, case, queue, case.created_at)
    return started


def _replan_raised(session: Session, settings: CaseworkSettings, now: datetime) -> None:
    """A case whose priority rose since its clocks were set gets the new priority's clocks."""
    rows = session.execute(
        select(CaseClock, Case, Team.name).join(Case, Case.id == CaseClock.case_id)
        .outerjoin(Team, Team.id == Case.team_id)
        .where(CaseClock.priority != Case.priority, CaseClock.met_at.is_(None), Case.status.in_(_OPEN))
    ).all()
    by_case: dict[int, tuple[Case, str | None, list[CaseClock]]] = {}
    for clock, case, queue in rows:
        by_case.setdefault(case.id, (case, queue, []))[2].append(clock)
    for case, queue_name, clocks in by_case.values():
        wanted = settings.milestones_for(case.priority)
        for clock in clocks:
            if clock.milestone in wanted and _more_urgent(case.priority, clock.priority):
                clock.warn_at, clock.due_at = plan_clock(settings, case, queue_name, clock.milestone, now)
                clock.started_at, clock.warned_at, clock.breached_at = now, None, None
            clock.priority = case.priority
        present = {c.milestone for c in _all_clocks(session, case.id)}
        for milestone in wanted:
            if milestone not in present:
                warn_at, due_at = plan_clock(settings, case, queue_name, milestone, now)
                session.add(CaseClock(force_id=case.force_id, case_id=case.id, milestone=milestone,
                                      priority=case.priority, started_at=now, warn_at=warn_at, due_at=due_at))


def _meet_first_replies(session: Session) -> list[CaseClock]:
    first_out = (
        select(CaseEntry.case_id, CaseEntry.created_at, CaseEntry.user_id)
        .where(CaseEntry.kind == "message_out").order_by(CaseEntry.created_at)
    )
    clocks = list(session.scalars(
        select(CaseClock).where(
            CaseClock.milestone == "first_reply", CaseClock.met_at.is_(None),
            exists().where(and_(CaseEntry.case_id == CaseClock.case_id, CaseEntry.kind == "message_out")),
        )
    ))
    for clock in clocks:
        _case_id, at, user_id = session.execute(first_out.where(CaseEntry.case_id == clock.case_id).limit(1)).one()
        clock.met_at, clock.met_by = at, user_id
    return clocks


def _mark_due(
    session: Session, moment: InstrumentedAttribute[datetime], marker: str, now: datetime
) -> list[CaseClock]:
    column = getattr(CaseClock, marker)
    clocks = list(session.scalars(
        select(CaseClock).join(Case, Case.id == CaseClock.case_id)
        .where(moment <= now, column.is_(None), CaseClock.met_at.is_(None), Case.status.in_(_OPEN))
        .order_by(CaseClock.due_at)
    ))
    for clock in clocks:
        setattr(clock, marker, now)
    return clocks


def _all_clocks(session: Session, case_id: int) -> list[CaseClock]:
    return list(session.scalars(select(CaseClock).where(CaseClock.case_id == case_id)))


def _more_urgent(new: str, old: str) -> bool:
    return new < old  # "P1" < "P2": lexical order is urgency order for P1..P4


# --- reading clocks for lists and the case page ------------------------------------------

@dataclass(frozen=True)
class ClockView:
    milestone: str
    label: str
    due_at: datetime
    state: str  # met, breached, warning, running
    minutes_left: int  # negative once overdue

    @property
    def css(self) -> str:
        return f"sla-{self.state}"


def view_clock(clock: CaseClock, now: datetime) -> ClockView:
    if clock.met_at is not None:
        state = "met"
    elif clock.breached_at is not None or clock.due_at <= now:
        state = "breached"
    elif clock.warned_at is not None or clock.warn_at <= now:
        state = "warning"
    else:
        state = "running"
    left = (clock.due_at - now) // timedelta(minutes=1)
    return ClockView(clock.milestone, MILESTONE_LABELS.get(clock.milestone, clock.milestone),
                     clock.due_at, state, int(left))


def clocks_by_case(session: Session, case_ids: list[int], now: datetime) -> dict[int, list[ClockView]]:
    if not case_ids:
        return {}
    found: dict[int, list[ClockView]] = {}
    for clock in session.scalars(
        select(CaseClock).where(CaseClock.case_id.in_(case_ids)).order_by(CaseClock.due_at)
    ):
        found.setdefault(clock.case_id, []).append(view_clock(clock, now))
    return found


def next_clock(views: list[ClockView]) -> ClockView | None:
    """The clock a list should show: the first unmet one, else the last met."""
    unmet = [v for v in views if v.state != "met"]
    return unmet[0] if unmet else (views[-1] if views else None)


def breach_count(session: Session, force_id: int, since: datetime) -> int:
    return int(session.scalar(
        select(func.count(CaseClock.id)).where(CaseClock.force_id == force_id, CaseClock.breached_at >= since)
    ) or 0)
