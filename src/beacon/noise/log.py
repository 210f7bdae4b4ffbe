"""The noise log: every step a force's noise tracker took, in order, in the store.

Each process (the web server, every `beacon worker`) holds its own in-memory tracker per force.
The tracker is deterministic, so trackers fed the same steps in the same order agree: a process
takes the force's lock, replays the steps other processes appended since its own last one, then
decides and appends its own steps in the same transaction as their effects.

An observation step stores what the tracker was fed beyond the stored message (triage's priority
and beat, the channel's "forwarded" flag), so a replay feeds exactly what the writer fed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, aliased

from beacon.noise.decisions import OverrideEvent
from beacon.noise.observation import Observation
from beacon.store.tables import Message
from beacon.store.tables_noise import NoiseLogEntry

OBSERVATION, OVERRIDE = "observation", "override"
# The PostgreSQL advisory lock space of the per-force noise locks (the worker's shard locks use
# another space, derived from the stream prefix).
LOCK_SPACE = zlib.crc32(b"beacon:noise-log") & 0x7FFFFFFF
# Rows fetched at a time while replaying: a full rebuild reads a whole window.
_REPLAY_CHUNK = 2000


def observation_key(channel: str, provider_id: str) -> str:
    """Provider ids are unique per channel, and shares point at ids on their own channel."""
    return f"{channel}:{provider_id}"


def observation_of(message: Any, priority: str | None, beat: str | None, forwarded: bool) -> Observation:
    """The tracker's input for a stored message (an ORM `Message` or a row with its columns)."""
    place = message.place or {}
    channel = message.channel

    def ref(value: str | None) -> str | None:
        return observation_key(channel, value) if value else None

    return Observation(
        message_id=observation_key(channel, message.provider_message_id),
        created_at=message.created_at,
        text=message.text,
        channel=channel,
        author_id=message.author_id,
        shared_of=ref(message.shared_of),
        reply_to=ref(message.reply_to),
        forwarded=forwarded,
        postcode=place.get("postcode"),
        beat=beat,
        lat=place.get("lat"),
        lon=place.get("lon"),
        priority=int(priority[1]) if priority else None,
    )


def forwarded_in(raw: Any) -> bool:
    context = raw.get("context") if isinstance(raw, dict) else None
    return bool(isinstance(context, dict) and (context.get("forwarded") or context.get("frequently_forwarded")))


def observation_data(priority: str | None, beat: str | None, forwarded: bool) -> dict[str, Any]:
    """The inputs of an observation step that the stored message does not hold (unset ones left out)."""
    data: dict[str, Any] = {"priority": priority, "beat": beat, "forwarded": forwarded or None}
    return {key: value for key, value in data.items() if value is not None}


def override_data(event: OverrideEvent) -> dict[str, Any]:
    return {
        "action": event.action, "actor": event.actor, "at": event.at.isoformat(), "reason": event.reason,
        "message_id": event.message_id, "from_incident": event.from_incident,
        "to_incident": event.to_incident, "after_message_id": event.after_message_id,
    }


def override_of(data: dict[str, Any]) -> OverrideEvent:
    return OverrideEvent(**{**data, "at": datetime.fromisoformat(data["at"])})


# ---- the lock and the cursor ---------------------------------------------------------------------


def lock_force(session: Session, force_id: int) -> None:
    """Wait for the force's noise lock, held until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock (released by commit, rollback or a dead
    connection). SQLite: nothing to take, because writing sessions BEGIN IMMEDIATE and so hold the
    database's one write lock for the whole transaction already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :force)"),
                        {"space": LOCK_SPACE, "force": force_id})


def last_seq(session: Session, force_id: int) -> int:
    """The force's newest step (0 for none): one index lookup, the catch-up check of a batch."""
    found = session.scalar(select(func.max(NoiseLogEntry.seq)).where(NoiseLogEntry.force_id == force_id))
    return int(found or 0)


def append(session: Session, force_id: int, seq: int, kind: str, at: datetime,
           message_id: int | None, data: dict[str, Any]) -> None:
    session.add(NoiseLogEntry(force_id=force_id, seq=seq, kind=kind, at=at, message_id=message_id,
                              data=data or None))


# ---- replay --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    force_id: int
    seq: int
    observation: Observation | None  # an observation step: what to feed the tracker
    override: OverrideEvent | None  # an override step: what to apply


def steps(session: Session, *, force_id: int | None = None, after_seq: int = 0,
          since: datetime | None = None) -> Iterator[Step]:
    """Log steps in replay order (by force, then seq), streamed in chunks.

    With `since`, each force's log from its first step at or after `since` on: a suffix of the
    log, as other processes took it, even where a late message carries an older time.
    """
    query = (
        select(NoiseLogEntry.force_id, NoiseLogEntry.seq, NoiseLogEntry.kind, NoiseLogEntry.data,
               Message.channel, Message.provider_message_id, Message.created_at, Message.text,
               Message.author_id, Message.shared_of, Message.reply_to, Message.place)
        .outerjoin(Message, Message.id == NoiseLogEntry.message_id)
        .where(NoiseLogEntry.seq > after_seq)
        .order_by(NoiseLogEntry.force_id, NoiseLogEntry.seq)
    )
    if force_id is not None:
        query = query.where(NoiseLogEntry.force_id == force_id)
    if since is not None:
        query = query.where(NoiseLogEntry.seq >= _first_seq_since(since))
    for row in session.execute(query.execution_options(yield_per=_REPLAY_CHUNK)):
        data = row.data or {}
        if row.kind == OVERRIDE:
            yield Step(row.force_id, row.seq, None, override_of(data))
        elif row.channel is not None:
            observation = observation_of(row, data.get("priority"), data.get("beat"), bool(data.get("forwarded")))
            yield Step(row.force_id, row.seq, observation, None)


def cursors(session: Session) -> dict[int, int]:
    """Every force's newest step."""
    rows = session.execute(select(NoiseLogEntry.force_id, func.max(NoiseLogEntry.seq)).group_by(NoiseLogEntry.force_id))
    return {force_id: int(seq) for force_id, seq in rows}


def _first_seq_since(since: datetime) -> Any:
    """Per force (correlated): the seq of its first step at or after `since`."""
    later = aliased(NoiseLogEntry)
    return (
        select(func.min(later.seq))
        .where(later.force_id == NoiseLogEntry.force_id, later.at >= since)
        .scalar_subquery()
    )


def prune(session: Session, before: datetime) -> int:
    """Drop the steps before each force's first one at or after `before` (a prefix, so replays
    meet no holes), and always keep a force's newest: it carries the seq on."""
    total = 0
    for force_id, top in cursors(session).items():
        first_kept = session.scalar(
            select(func.min(NoiseLogEntry.seq)).where(NoiseLogEntry.force_id == force_id,
                                                      NoiseLogEntry.at >= before)
        )
        keep_from = min(top, first_kept) if first_kept is not None else top
        result = session.execute(
            delete(NoiseLogEntry).where(NoiseLogEntry.force_id == force_id, NoiseLogEntry.seq < keep_from)
        )
        total += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return total
