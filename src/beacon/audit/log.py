"""Append audit events in a keyed hash chain and verify it against the signed checkpoints.

Each event's hash is an HMAC-SHA256, under a key kept outside the database (`audit/seal.py`), of
its fields and the previous event's hash: editing, deleting or reordering any row breaks every
hash after it, and without the key nobody can recompute them. The head row pins the newest event;
signed checkpoints outside the database (`audit/checkpoints.py`) pin what the log held, so
cutting rows off the end with the head rolled back, or emptying the log, is caught too. The
database refuses UPDATE and DELETE on the table (triggers made by the migration), so the
application itself cannot rewrite history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.checkpoints import Checkpoint, check_checkpoints, read_checkpoints
from beacon.audit.seal import AuditSeal, seal_of
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


def canonical(prev_hash: str, fields: dict[str, Any]) -> str:
    return prev_hash + json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)


def _digest(seal: AuditSeal, prev_hash: str, fields: dict[str, Any]) -> str:
    return seal.digest(canonical(prev_hash, fields))


def chained_fields(event: AuditEvent) -> dict[str, Any]:
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
    seal = seal_of(session)
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
    event.hash = _digest(seal, head.last_hash, chained_fields(event))
    session.add(event)
    head.last_id, head.last_hash = event.id, event.hash
    session.flush()
    seal.checkpoints.note_appended()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


# Beacon writes a checkpoint every minute while the log grows (at most every 5); events older
# than this with no checkpoint after them mean a newer checkpoint was deleted (or Beacon was
# stopped before it could write one: `beacon audit checkpoint` then signs what is there).
UNCHECKPOINTED_GRACE = timedelta(minutes=6)


def verify_chain(session: Session, batch: int = 5000, *, now: datetime | None = None) -> ChainReport:
    """Walk the log in id order and name the first row whose keyed hash or link does not hold;
    then check the head and every signed checkpoint. With `now`, events older than six minutes
    that no checkpoint covers fail too (a deleted newest checkpoint)."""
    seal = seal_of(session)
    checkpoints, problem = check_checkpoints(read_checkpoints(seal.checkpoints.directory), seal.digest)
    pinned = {c.head_id for c in checkpoints}
    covered = checkpoints[-1].head_id if checkpoints else 0
    walk = _walk(session, seal, batch, pinned, covered)
    if isinstance(walk, ChainReport):
        return walk
    head_report = _check_head(session, walk.checked, walk.last_id, walk.last_hash)
    if not head_report.ok:
        return head_report
    if problem:
        return ChainReport(False, walk.checked, None, problem)
    return _check_against_checkpoints(walk, checkpoints, now)


@dataclass
class _Walk:
    checked: int = 0
    last_id: int = 0
    last_hash: str = GENESIS
    hashes_at: dict[int, str] = field(default_factory=dict)
    first_uncovered_at: datetime | None = None  # the first event after the newest checkpoint


def _walk(session: Session, seal: AuditSeal, batch: int, pinned: set[int],
          covered: int) -> _Walk | ChainReport:
    walk = _Walk()
    while True:
        rows = list(session.scalars(
            select(AuditEvent).where(AuditEvent.id > walk.last_id).order_by(AuditEvent.id).limit(batch)
        ))
        if not rows:
            return walk
        for event in rows:
            expected_id = walk.last_id + 1
            if event.id != expected_id:
                return ChainReport(False, walk.checked, expected_id, f"row {expected_id} is missing")
            if event.prev_hash != walk.last_hash:
                return ChainReport(False, walk.checked, event.id, "does not link to the row before it")
            if _digest(seal, walk.last_hash, chained_fields(event)) != event.hash:
                return ChainReport(False, walk.checked, event.id,
                                   "its content does not match its keyed hash")
            if event.id in pinned:
                walk.hashes_at[event.id] = event.hash
            if event.id == covered + 1:
                walk.first_uncovered_at = event.at
            walk.last_hash, walk.last_id, walk.checked = event.hash, event.id, walk.checked + 1


def _check_against_checkpoints(walk: _Walk, checkpoints: list[Checkpoint], now: datetime | None) -> ChainReport:
    latest = checkpoints[-1] if checkpoints else None
    if latest is not None and latest.head_id > walk.last_id:
        return ChainReport(False, walk.checked, walk.last_id + 1,
                           f"rows after {walk.last_id} are missing: checkpoint {latest.seq} signed "
                           f"{latest.count} events up to event {latest.head_id}")
    for checkpoint in checkpoints:
        if walk.hashes_at.get(checkpoint.head_id) != checkpoint.head_hash or \
                checkpoint.count != checkpoint.head_id:
            return ChainReport(False, walk.checked, checkpoint.head_id,
                               f"does not match checkpoint {checkpoint.seq} (rewritten since it was signed)")
    first_uncovered = walk.first_uncovered_at
    if now is not None and first_uncovered is not None:
        if first_uncovered < now - UNCHECKPOINTED_GRACE:
            what = f"checkpoint {latest.seq}" if latest else "any checkpoint"
            return ChainReport(False, walk.checked, latest.head_id + 1 if latest else 1,
                               f"events since {first_uncovered.isoformat()} are not covered by {what}: "
                               "a newer checkpoint is missing (deleted, or Beacon stopped before writing it)")
    return ChainReport(True, walk.checked)


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
