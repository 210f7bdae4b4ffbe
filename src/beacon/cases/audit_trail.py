"""The audit trail as supervisors and auditors read it: per case, per person, and as CSV.

A case's trail is every event on the case and on the messages it holds; a person's is every
event on the person and on their cases and messages. Both are read in the log's own order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from beacon.store.tables import Case, Message
from beacon.store.tables_audit import AuditEvent

CSV_COLUMNS = ("id", "at", "actor_type", "actor_id", "actor_name", "action", "object_type",
               "object_id", "reason", "data", "hash")


def trail_for_case(session: Session, force_id: int, case_id: int) -> list[AuditEvent]:
    message_ids = list(session.scalars(select(Message.id).where(Message.case_id == case_id)))
    return _events(session, force_id, {"case": [case_id], "message": message_ids})


def trail_for_person(session: Session, force_id: int, person_id: int) -> list[AuditEvent]:
    case_ids = list(session.scalars(select(Case.id).where(Case.person_id == person_id, Case.force_id == force_id)))
    message_ids = list(session.scalars(select(Message.id).where(Message.person_id == person_id)))
    return _events(session, force_id, {"person": [person_id], "case": case_ids, "message": message_ids})


def _events(session: Session, force_id: int, objects: dict[str, list[int]]) -> list[AuditEvent]:
    matches = [
        and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_([str(i) for i in ids]))
        for kind, ids in objects.items() if ids
    ]
    if not matches:
        return []
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.force_id == force_id, or_(*matches)).order_by(AuditEvent.id)
    ))


def to_csv(events: Iterable[AuditEvent]) -> str:
    """One row per event, with its hash, so an export can be checked against the live chain."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([
            event.id, event.at.isoformat(), event.actor_type, event.actor_id or "", event.actor_name,
            event.action, event.object_type, event.object_id, _safe(event.reason),
            json.dumps(event.data, sort_keys=True) if event.data else "", event.hash,
        ])
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
