"""The case-work tick: one short transaction, run every few seconds by the periodic runner.

In order: hand unassigned cases to the least-loaded handler on duty in their queue, start and
advance SLA clocks, raise alerts for P1 cases and breaches, and take the next escalation step
on alerts nobody has acknowledged. Everything reads the injected clock, so tests and the
escalation bench drive it minute by minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from beacon.audit.log import Actor
from beacon.cases.access import who_may_see
from beacon.cases.assignment import assign, least_loaded
from beacon.cases.escalation import raise_alert, tick_alerts
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.cases.rota import on_duty
from beacon.cases.settings import CaseworkSettings, casework_for
from beacon.cases.sla import tick_clocks
from beacon.clock import Clock
from beacon.pipeline.periodic import PeriodicJob
from beacon.store.tables import Case, Team
from beacon.store.tables_casework import Alert

SYSTEM = Actor.system("beacon casework")
_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass
class TickReport:
    assigned: int = 0
    clocks_started: int = 0
    warned: int = 0
    breached: int = 0
    alerts_raised: list[int] = field(default_factory=list)
    alerts_stepped: list[int] = field(default_factory=list)


def casework_tick(session: Session, settings: CaseworkSettings, now: datetime) -> TickReport:
    report = TickReport(assigned=_auto_assign(session, settings, now))
    clocks = tick_clocks(session, settings, now)
    report.clocks_started, report.warned, report.breached = len(clocks.started), len(clocks.warned), len(clocks.breached)
    causes = settings.escalation.alert_on
    if "P1" in causes:
        for case in _p1_without_alert(session):
            if (alert := raise_alert(session, settings, case, "p1", now)) is not None:
                report.alerts_raised.append(alert.id)
    if "breach" in causes:
        for clock in clocks.breached:
            case = session.get_one(Case, clock.case_id)
            if (alert := raise_alert(session, settings, case, f"breach:{clock.milestone}", now)) is not None:
                report.alerts_raised.append(alert.id)
    report.alerts_stepped = [a.id for a in tick_alerts(session, settings, now)]
    return report


def _auto_assign(session: Session, settings: CaseworkSettings, now: datetime) -> int:
    auto_queues = {name for name, queue in settings.queues.items() if queue.auto_assign}
    rows = session.execute(
        select(Case, Team.name).join(Team, Team.id == Case.team_id)
        .where(Case.status.in_(_OPEN), Case.assignee_id.is_(None), Team.name.in_(auto_queues))
        .order_by(Case.priority, Case.created_at)
    ).all()
    assigned = 0
    for case, queue in rows:
        handlers = [s.user_id for s in on_duty(session, case.force_id, now, role="handler", team_id=case.team_id)]
        chosen = least_loaded(session, who_may_see(session, case, list(dict.fromkeys(handlers))))
        if chosen is not None:
            assign(session, case, chosen, SYSTEM, f"auto: fewest open cases on duty in {queue}", now)
            session.flush()  # the next case sees this one in the load
            assigned += 1
    return assigned


def _p1_without_alert(session: Session) -> list[Case]:
    alerted = exists().where(Alert.case_id == Case.id, Alert.cause == "p1")
    return list(session.scalars(
        select(Case).where(Case.priority == "P1", Case.status.in_(_OPEN), ~alerted).order_by(Case.id)
    ))


class CaseworkTicker:
    """What the periodic runner calls: one tick in its own transaction, on the injected clock."""

    def __init__(self, session_factory: sessionmaker[Session], settings: CaseworkSettings, clock: Clock) -> None:
        self._session_factory = session_factory
        self.settings = settings
        self._clock = clock

    def run(self) -> TickReport:
        with self._session_factory.begin() as session:
            return casework_tick(session, self.settings, self._clock.now())


def casework_jobs(
    session_factory: sessionmaker[Session], clock: Clock, casework_path: Path | None, every_seconds: float
) -> list[PeriodicJob]:
    """The periodic job bootstrap registers; the settings file is read (and checked) here, at start."""
    ticker = CaseworkTicker(session_factory, casework_for(casework_path), clock)
    return [PeriodicJob("casework", every_seconds, ticker.run)] if every_seconds > 0 else []
