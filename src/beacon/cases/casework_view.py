"""What the case page and the alerts bar show of case work: clocks, alerts, who holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, visible_cases
from beacon.cases.escalation import CAUSE_LABELS
from beacon.cases.queries import staff_of_force
from beacon.cases.sla import ClockView, clocks_by_case
from beacon.store.tables import Case, Team, User
from beacon.store.tables_casework import Alert


@dataclass(frozen=True)
class AlertView:
    id: int
    case_id: int
    reference: str
    priority: str
    cause: str
    code: str
    raised_at: datetime
    level: int
    role: str  # who the chain has reached
    for_viewer: bool  # the viewer was among those notified
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledged_via: str | None


@dataclass(frozen=True)
class CasePanel:
    queue: str | None
    assignee_id: int | None
    assignee: str | None
    clocks: list[ClockView]
    alerts: list[AlertView]
    staff: list[User]

    @property
    def open_alerts(self) -> list[AlertView]:
        return [a for a in self.alerts if a.acknowledged_at is None]


def case_panel(session: Session, case: Case, now: datetime) -> CasePanel:
    queue = session.scalar(select(Team.name).where(Team.id == case.team_id)) if case.team_id else None
    assignee = session.get(User, case.assignee_id) if case.assignee_id else None
    alerts = [_view(alert, case, None) for alert in session.scalars(
        select(Alert).where(Alert.case_id == case.id).order_by(Alert.id))]
    return CasePanel(queue, case.assignee_id, assignee.display_name if assignee else None,
                     clocks_by_case(session, [case.id], now).get(case.id, []),
                     _with_names(session, alerts), staff_of_force(session, case.force_id))


def open_alerts(session: Session, access: Access) -> list[AlertView]:
    """Unacknowledged alerts of the cases the viewer may see, their own first, then oldest first."""
    rows = session.execute(
        select(Alert, Case).join(Case, Case.id == Alert.case_id)
        .where(Alert.force_id == access.force_id, visible_cases(access), Alert.acknowledged_at.is_(None))
        .order_by(Alert.raised_at, Alert.id)
    ).all()
    views = [_view(alert, case, access.user_id) for alert, case in rows]
    return sorted(views, key=lambda v: not v.for_viewer)


def _view(alert: Alert, case: Case, viewer_id: int | None) -> AlertView:
    notified = alert.notified or []
    return AlertView(
        alert.id, case.id, case.reference, case.priority, CAUSE_LABELS.get(alert.cause, alert.cause),
        alert.code, alert.raised_at, alert.level, notified[-1]["role"] if notified else "handler",
        viewer_id is not None and any(viewer_id in n.get("users", []) for n in notified),
        alert.acknowledged_at, str(alert.acknowledged_by) if alert.acknowledged_by else None,
        alert.acknowledged_via,
    )


def _with_names(session: Session, alerts: list[AlertView]) -> list[AlertView]:
    ids = [int(a.acknowledged_by) for a in alerts if a.acknowledged_by]
    if not ids:
        return alerts
    names = {user.id: user.display_name for user in session.scalars(select(User).where(User.id.in_(ids)))}
    return [
        AlertView(**{**a.__dict__, "acknowledged_by": names.get(int(a.acknowledged_by), a.acknowledged_by)})
        if a.acknowledged_by else a
        for a in alerts
    ]
