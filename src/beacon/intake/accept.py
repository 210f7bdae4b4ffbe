"""Accept normalised messages: store each durably, once, before anyone is told it arrived.

Duplicates are caught by the database's unique key (channel, channel account, provider id) with
INSERT .. ON CONFLICT DO NOTHING, so two concurrent deliveries of one message store one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from beacon.messages import InboundMessage
from beacon.store.forces import ForceDirectory
from beacon.store.tables import Message


@dataclass(frozen=True)
class Accepted:
    message_id: int
    provider_message_id: str
    duplicate: bool


def message_row(message: InboundMessage, force_id: int) -> dict[str, Any]:
    return {
        "force_id": force_id,
        "direction": "in",
        "channel": message.channel.value,
        "channel_account": message.channel_account,
        "provider_message_id": message.provider_message_id,
        "author_id": message.author.id,
        "author_handle": message.author.handle,
        "author_name": message.author.name,
        "text": message.text,
        "language": message.language,
        "media": [m.model_dump(exclude_none=True) for m in message.media],
        "reply_to": message.reply_to,
        "thread_ref": message.thread_ref,
        "shared_of": message.shared_of,
        "place": message.place.model_dump(exclude_none=True) if message.place else None,
        "raw": message.raw,
        "created_at": message.created_at,
        "received_at": message.received_at,
        "state": "received",
        "categories": [],
        "share_count": 0,
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """Insert rows whose key is not stored yet; return the keys this statement inserted.

    RETURNING reports only rows actually inserted, so of two concurrent deliveries exactly one
    sees its message as new, whichever commits first.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Message.__table__
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["channel", "channel_account", "provider_message_id"])
        .returning(table.c.channel, table.c.channel_account, table.c.provider_message_id)
    )
    inserted: set[tuple[str, str, str]] = set()
    for group in _by_missing_json(rows):
        inserted.update((c, a, p) for c, a, p in session.execute(statement, group))
    return inserted


# A Core insert would store a JSON column's None as JSON 'null'; left out, it is SQL NULL as
# before. Rows are grouped by which of these they lack, so a batch is a statement or two (the
# ORM's bulk insert, used before, fell back to one statement per row for mixed rows).
_NULLABLE_JSON = ("place", "raw")


def _by_missing_json(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        missing = tuple(name for name in _NULLABLE_JSON if row.get(name) is None)
        groups.setdefault(missing, []).append({k: v for k, v in row.items() if k not in missing})
    return list(groups.values())


def store_messages(
    session: Session, messages: Sequence[InboundMessage], forces: ForceDirectory
) -> list[Accepted]:
    """Insert what is new, then report each message's row id and whether it was already there.

    The caller commits; only after that commit may the sender be acknowledged.
    """
    if not messages:
        return []
    keys = [(m.channel.value, m.channel_account, m.provider_message_id) for m in messages]
    first_of_key: dict[tuple[str, str, str], InboundMessage] = {}
    for key, message in zip(keys, messages, strict=True):
        first_of_key.setdefault(key, message)
    rows = [
        message_row(m, forces.force_for(m.channel.value, m.channel_account))
        for m in first_of_key.values()
    ]
    inserted = _insert_new(session, rows)
    ids = _existing_ids(session, keys)
    results = []
    for key in keys:
        # New only the first time a key appears in this call, and only if we inserted it.
        results.append(Accepted(ids[key], key[2], key not in inserted))
        inserted.discard(key)
    return results


def _existing_ids(
    session: Session, keys: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], int]:
    found: dict[tuple[str, str, str], int] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 300):  # keep within SQLite's bound-parameter limit
        chunk = unique[start : start + 300]
        rows = session.execute(
            select(
                Message.channel, Message.channel_account, Message.provider_message_id, Message.id
            ).where(
                tuple_(Message.channel, Message.channel_account, Message.provider_message_id).in_(
                    chunk
                )
            )
        )
        for channel, account, provider_id, message_id in rows:
            found[(channel, account, provider_id)] = message_id
    return found
