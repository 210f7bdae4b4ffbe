"""Append many audit events with one read of the head and one write of each table.

The same chain as `append_event` (`audit/log.py`): each event's keyed hash covers its fields and
the previous hash; the head is read FOR UPDATE once, when the first event is added, and written
once, when the events are. Used by the pipeline's batch write path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from beacon.audit.log import GENESIS, Action, Actor, _digest, chained_fields
from beacon.audit.seal import seal_of
from beacon.store.tables_audit import AuditEvent, AuditHead

_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__


class AuditBatch:
    """Events chained in memory, in the order added, written by `write` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: list[dict[str, Any]] = []
        self._head: tuple[int, str] | None = None
        self._head_exists = True

    def add(self, *, actor: Actor, action: Action | str, object_type: str, object_id: str | int,
            at: datetime, force_id: int | None = None, reason: str = "",
            data: dict[str, Any] | None = None) -> None:
        last_id, last_hash = self._head or self._read_head()
        event = AuditEvent(
            id=last_id + 1, at=at, force_id=force_id, actor_type=actor.kind, actor_id=actor.id,
            actor_name=actor.name, action=str(action), object_type=object_type,
            object_id=str(object_id), reason=reason, data=data, prev_hash=last_hash,
        )
        event.hash = _digest(seal_of(self._session), last_hash, chained_fields(event))
        self._rows.append({column.name: getattr(event, column.key) for column in _EVENTS.columns})
        self._head = (event.id, event.hash)

    def write(self) -> None:
        if not self._rows or self._head is None:
            return
        self._session.execute(insert(_EVENTS), self._rows)
        last_id, last_hash = self._head
        if self._head_exists:
            self._session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(last_id=last_id, last_hash=last_hash))
        else:
            self._session.execute(insert(_HEAD).values(id=1, last_id=last_id, last_hash=last_hash))
        checkpoints = seal_of(self._session).checkpoints
        for _ in self._rows:
            checkpoints.note_appended()
        self._rows = []

    def _read_head(self) -> tuple[int, str]:
        row = self._session.execute(
            select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
        ).first()
        if row is None:
            self._head_exists = False
            return 0, GENESIS
        return int(row.last_id), str(row.last_hash)
