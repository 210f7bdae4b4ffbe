"""Reads of incidents and items for the desk, scoped to one force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from typing import Any

from sqlalchemy import exists, select, true
from sqlalchemy.orm import Session

from beacon.cases.access import NOT_FOUND, OTHER_FORCE, RESTRICTED_TEAM, Access, Hidden, visible_messages
from beacon.store.tables import Case, Message
from beacon.store.tables_noise import IncidentRow

_RANK = sql_case({"P1": 1, "P2": 2, "P3": 3, "P4": 4}, value=IncidentRow.priority, else_=5)


def live_incidents(session: Session, access: Access, since: datetime, min_messages: int = 2,
                   limit: int = 200) -> list[IncidentRow]:
    """Incidents still active since `since` with at least `min_messages`, most urgent first;
    not one whose case is in a restricted team the viewer may not see."""
    return list(
        session.scalars(
            select(IncidentRow)
            .where(IncidentRow.force_id == access.force_id, IncidentRow.merged_into_id.is_(None),
                   _case_seen(access),
                   IncidentRow.last_at >= since, IncidentRow.messages >= min_messages)
            .order_by(_RANK, IncidentRow.last_at.desc())
            .limit(limit)
        )
    )


def _case_seen(access: Access) -> Any:
    if not access.hidden_teams:
        return true()
    hidden = exists().where(Case.id == IncidentRow.case_id, Case.team_id.in_(sorted(access.hidden_teams)))
    return ~hidden


def incident_for(session: Session, access: Access, incident_id: int) -> IncidentRow:
    """The incident, or `Hidden` (none such, another force's, or its case is a restricted team's)."""
    incident = session.get(IncidentRow, incident_id)
    if incident is None or incident.force_id != access.force_id:
        raise Hidden("incident", incident_id, NOT_FOUND if incident is None else OTHER_FORCE)
    if session.scalar(select(IncidentRow.id).where(IncidentRow.id == incident_id, _case_seen(access))) is None:
        raise Hidden("incident", incident_id, RESTRICTED_TEAM)
    return incident


def get_incident(session: Session, force_id: int, incident_id: int) -> IncidentRow | None:
    return session.scalar(
        select(IncidentRow).where(IncidentRow.id == incident_id, IncidentRow.force_id == force_id)
    )


def incident_items(session: Session, incident: IncidentRow, limit: int = 200,
                   access: Access | None = None) -> list[Message]:
    """The independent posts of an incident (one row per item, its shares counted on it); given
    `access`, only those the viewer may see."""
    seen = visible_messages(access) if access is not None else true()
    return list(
        session.scalars(
            select(Message)
            .where(Message.incident_id == incident.id, Message.item_id == Message.id, seen)
            .order_by(Message.created_at)
            .limit(limit)
        )
    )
