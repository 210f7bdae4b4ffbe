"""How far the pipeline is behind: read at request time by /metrics, the lag API and the
control room, from the database (every process sees the same) and, in the distributed mode, the
Redis streams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.store.tables import DeadLetter, Message


@dataclass(frozen=True)
class Lag:
    unprocessed: int  # stored, not yet through the pipeline
    oldest_unprocessed_seconds: float  # 0 when none waits
    failed_unresolved: int  # pipeline dead letters nobody has replayed
    stream_backlog: int | None  # entries in the Redis streams, both lanes (None: embedded mode)
    stream_pending: int | None  # of which in a worker's hands
    stream_priority_backlog: int | None  # of which in the priority lane (likely P1s)


def pipeline_lag(beacon: Beacon, force_id: int | None = None) -> Lag:
    with beacon.read_session_factory() as session:
        unprocessed, oldest = _unprocessed(session, force_id)
        failed = _failed(session, force_id)
    backlog, pending, priority = _stream_state(beacon)
    age = (beacon.clock.now() - oldest).total_seconds() if oldest else 0.0
    return Lag(unprocessed, max(0.0, age), failed, backlog, pending, priority)


def _unprocessed(session: Session, force_id: int | None) -> tuple[int, datetime | None]:
    query = select(func.count(Message.id), func.min(Message.received_at)).where(
        Message.state == "received")
    if force_id is not None:
        query = query.where(Message.force_id == force_id)
    count, oldest = session.execute(query).one()
    return int(count), oldest


def _failed(session: Session, force_id: int | None) -> int:
    query = select(func.count(DeadLetter.id)).where(
        DeadLetter.source == "pipeline", DeadLetter.resolved_at.is_(None))
    if force_id is not None:
        query = query.join(Message, Message.id == DeadLetter.message_id).where(
            Message.force_id == force_id)
    return int(session.scalar(query) or 0)


def _stream_state(beacon: Beacon) -> tuple[int | None, int | None, int | None]:
    """(backlog of both lanes, pending, priority lane backlog); Nones when there are no streams."""
    if beacon.settings.transport != "redis":
        return None, None, None
    import redis

    from beacon.pipeline.redis_streams import RedisStreamsTransport, backlog, pending, total_backlog

    transport = beacon.transport
    assert isinstance(transport, RedisStreamsTransport)
    client, layout = transport.client, transport.layout
    try:
        return (total_backlog(client, layout), pending(client, layout),
                sum(backlog(client, layout, priority=True).values()))
    except redis.RedisError:
        return None, None, None
