"""Queue a side effect in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.store.tables_outbox import OutboxEntry


def enqueue(
    session: Session,
    *,
    kind: str,
    channel: str,
    target: str,
    payload: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    force_id: int | None = None,
    case_id: int | None = None,
) -> OutboxEntry:
    """Add an entry, or return the one already queued under this key (queueing is idempotent)."""
    existing = session.scalar(select(OutboxEntry).where(OutboxEntry.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    entry = OutboxEntry(
        force_id=force_id, kind=kind, channel=channel, target=target, payload=payload,
        idempotency_key=idempotency_key, status="pending", attempts=0, next_attempt_at=now,
        case_id=case_id, created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry
