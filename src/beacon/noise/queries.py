"""Reads of incidents and items for the desk, scoped to one force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.store.tables import Message
from beacon.store.tables_noise import IncidentRow

_RANK = sql_case({"P1": 1, "P2": 2, "P3": 3, "P4": 4}, value=IncidentRow.priority, else_=5)


def live_incidents(session: Session, force_id: int, since: datetime, min_messages: int = 2,
                   limit: int = 200) -> list[IncidentRow]:
    """Incidents still active since `since` with at least `min_messages`, most urgent first."""
    return list(
        session.scalars(
            select(IncidentRow)
            .where(IncidentRow.force_id == force_id, IncidentRow.merged_into_id.is_(None),
                   IncidentRow.last_at >= since, IncidentRow.messages >= min_messages)
            .order_by(_RANK, IncidentRow.last_at.desc())
            .limit(limit)
        )
    )


def get_incident(session: Session, force_id: int, incident_id: int) -> IncidentRow | None:
    return session.scalar(
        select(IncidentRow).where(IncidentRow.id == incident_id, IncidentRow.force_id == force_id)
    )


def incident_items(session: Session, incident: IncidentRow, limit: int = 200) -> list[Message]:
    """The independent posts of an incident (one row per item, its shares counted on it)."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.incident_id == incident.id, Message.item_id == Message.id)
            .order_by(Message.created_at)
            .limit(limit)
        )
    )
