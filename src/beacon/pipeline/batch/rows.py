"""A batch's messages as plain rows: the columns the stages read, and what they decide.

Plain objects rather than ORM instances: the ORM's unit of work (identity map, change tracking,
a flush per savepoint) cost more than the stages themselves. Each row is written back once, by
one executemany UPDATE for the whole batch (`writes.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.store.tables import Message

_READ = Message.__table__.c
READ_COLUMNS = (
    "id", "force_id", "direction", "channel", "channel_account", "provider_message_id", "author_id",
    "author_handle", "author_name", "text", "language", "reply_to", "shared_of", "place", "raw",
    "created_at", "state", "priority", "disposition", "share_count",
)
# What the stages decide, written back for every processed message.
DECIDED_COLUMNS = (
    "state", "priority", "urgency", "categories", "triage", "item_id", "item_key", "incident_id",
    "person_id", "case_id", "disposition", "disposition_reason", "share_count",
)


@dataclass(slots=True)
class Row:
    id: int
    force_id: int
    direction: str
    channel: str
    channel_account: str
    provider_message_id: str
    author_id: str
    author_handle: str | None
    author_name: str | None
    text: str
    language: str | None
    reply_to: str | None
    shared_of: str | None
    place: dict[str, Any] | None
    raw: Any
    created_at: datetime
    state: str
    priority: str | None
    disposition: str | None
    share_count: int  # shares and near-copies, when this message stands for an item
    urgency: float | None = None
    categories: list[Any] = field(default_factory=list)
    triage: dict[str, Any] | None = None
    item_id: int | None = None
    item_key: str | None = None
    incident_id: int | None = None
    person_id: int | None = None
    case_id: int | None = None
    disposition_reason: str | None = None

    def decided(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in DECIDED_COLUMNS}
        values["_id"] = self.id
        return values


def load_rows(session: Session, message_ids: Sequence[int], *, lock: bool) -> dict[int, Row]:
    """The batch's stored messages by id (locked FOR UPDATE on PostgreSQL when `lock`)."""
    statement = select(*(_READ[name] for name in READ_COLUMNS)).where(_READ.id.in_(list(message_ids)))
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.order_by(_READ.id).with_for_update()
    return {row.id: Row(*row) for row in session.execute(statement)}
