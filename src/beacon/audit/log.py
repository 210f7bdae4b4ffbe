"""Append audit events in a hash chain and verify it.

Each event's hash covers its fields and the previous event's hash, so editing, deleting or
reordering any row breaks every hash after it; the head row pins the newest event, so cutting
rows off the end is caught too. The database refuses UPDATE and DELETE on the table (triggers
made by the migration), so the application itself cannot rewrite history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.store.tables_audit import AuditEvent, AuditHead

GENESIS = "0" * 64


class Action(StrEnum):
    """What happened to personal data. Values are stored: never change one, only add."""

    CREATED = "created"
    READ = "read"
    CHANGED = "changed"
    DISCLOSED = "disclosed"  # reply, share, export
    ERASED = "erased"
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    REFUSED = "refused"  # a credential presented and refused (an API token out of its scope)
    SIGN_IN_FAILED = "sign_in_failed"  # wrong password or name (accounts, issue 14)
    SIGN_IN_REFUSED = "sign_in_refused"  # a locked account or a rate-limited address


@dataclass(frozen=True)
class Actor:
    kind: str  # user or system
    id: int | None
    name: str

    @classmethod
    def system(cls, name: str = "beacon") -> Actor:
        return cls("system", None, name)


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "force_id": event.force_id,
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reason": event.reason,
        "data": event.data,
    }


def append_event(
    session: Session,
    *,
    actor: Actor,
    action: Action | str,
    object_type: str,
    object_id: str | int,
    at: datetime,
    force_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event in the caller's transaction: it commits, or rolls back, with the change."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    event = AuditEvent(
        id=head.last_id + 1, at=at, force_id=force_id, actor_type=actor.kind, actor_id=actor.id,
        actor_name=actor.name, action=str(action), object_type=object_type,
        object_id=str(object_id), reason=reason, data=data, prev_hash=head.last_hash,
    )
    event.hash = _digest(head.last_hash, _fields(event))
    session.add(event)
    head.last_id, head.last_hash = event.id, event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the log in id order; name the first row whose hash or link does not hold."""
    prev_hash, expected_id, checked = GENESIS, 1, 0
    last_id = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            )
        )
        if not rows:
            break
        for event in rows:
            if event.id != expected_id:
                return ChainReport(False, checked, expected_id, f"row {expected_id} is missing")
            if event.prev_hash != prev_hash:
                return ChainReport(False, checked, event.id, "does not link to the row before it")
            if _digest(prev_hash, _fields(event)) != event.hash:
                return ChainReport(False, checked, event.id, "its content does not match its hash")
            prev_hash, expected_id, checked, last_id = event.hash, event.id + 1, checked + 1, event.id
    return _check_head(session, checked, last_id, prev_hash)


def _check_head(session: Session, checked: int, last_id: int, last_hash: str) -> ChainReport:
    head = session.get(AuditHead, 1)
    if head is None:
        if checked == 0:
            return ChainReport(True, 0)
        return ChainReport(False, checked, 1, "the head row is missing")
    if head.last_id != last_id or head.last_hash != last_hash:
        return ChainReport(
            False, checked, last_id + 1, f"rows after {last_id} are missing (head says {head.last_id})"
        )
    return ChainReport(True, checked)
