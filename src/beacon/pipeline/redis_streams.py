"""The distributed transport: message ids on Redis Streams, shared out by a consumer group.

Layout: `stream_shards` streams named `<prefix>:<shard>`, each read by one consumer group. A
message goes to the shard of its conversation key (the author on their channel, or for a share
the post it shares), so one conversation's messages queue in order on one shard. Workers take a
PostgreSQL advisory lock on a shard for the transaction that processes its entries
(`pipeline/worker.py`), so one shard is processed by one worker at a time, in order.

A stream entry carries only the message id: the message itself was committed to the database
before it was published, so Redis holds no data that PostgreSQL does not. Entries are acknowledged
and deleted after the processing transaction commits, so a stream's length is its backlog.

The priority lane: a message the lexicon alone grades P1 (`triage/quick.py`) goes to its shard's
priority stream `<prefix>:priority:<shard>` instead, which workers serve before any ordinary
shard, under the same shard lock (`pipeline/priority.py` keeps the conversation's order).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beacon.config import Settings
from beacon.pipeline import metrics
from beacon.pipeline.runner import Processed
from beacon.store.tables import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamLayout:
    prefix: str
    shards: int
    group: str

    @classmethod
    def from_settings(cls, settings: Settings) -> StreamLayout:
        return cls(settings.stream_prefix, settings.stream_shards, settings.consumer_group)

    def stream(self, shard: int, priority: bool = False) -> str:
        return f"{self.prefix}:priority:{shard}" if priority else f"{self.prefix}:{shard}"

    def lane(self, priority: bool) -> list[str]:
        return [self.stream(shard, priority) for shard in range(self.shards)]

    def streams(self) -> list[str]:
        """Every stream of both lanes (the group is created on each)."""
        return self.lane(False) + self.lane(True)


@dataclass(frozen=True)
class Entry:
    entry_id: str
    message_id: int


def connect(url: str, client_name: str | None = None) -> redis.Redis:
    """A client that gives up quickly, so a Redis outage is seen and retried, not hung on.

    A worker names its connection (`CLIENT LIST` then shows which workers are up)."""
    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=5, socket_connect_timeout=2,
        health_check_interval=10, client_name=client_name,
    )


def conversation_key(force_id: int, channel: str, author_id: str, shared_of: str | None) -> str:
    """What must be processed in order, by one worker at a time.

    The author's messages (one person's case must not be opened twice). A share is keyed by the
    post it shares instead: every share of one post updates that post's share count.
    """
    if shared_of:
        return f"{force_id}:{channel}:post:{shared_of}"
    return f"{force_id}:{channel}:author:{author_id}"


def shard_of(key: str, shards: int) -> int:
    """Stable across processes and Python versions (unlike hash())."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


class RedisStreamsTransport:
    """Publishes ids to their shard streams; `beacon worker` processes them elsewhere."""

    def __init__(
        self, client: redis.Redis, session_factory: sessionmaker[Session], layout: StreamLayout,
        urgent: Callable[[str], bool] | None = None,
    ) -> None:
        self.client = client
        self.layout = layout
        self.urgent = urgent  # the lexicon's P1 check; None: every message takes the ordinary lane
        self._session_factory = session_factory

    def publish(self, message_ids: Sequence[int]) -> list[Processed | None]:
        """Add each id to its shard, in its lane; returns no results (workers process them).

        A Redis failure is logged, not raised: the messages are committed in the database and
        the sweeper re-publishes what stays unprocessed, so intake keeps acknowledging.
        """
        if not message_ids:
            return []
        routes = self._routes_of(message_ids)
        try:
            pipe = self.client.pipeline(transaction=False)
            for message_id in message_ids:
                pipe.xadd(self.layout.stream(*routes[message_id]), {"id": str(message_id)})
            pipe.execute()
            metrics.PUBLISHED.inc(len(message_ids))
            metrics.PRIORITY_PUBLISHED.inc(sum(urgent for _, urgent in routes.values()))
        except redis.RedisError as error:
            metrics.PUBLISH_FAILURES.inc(len(message_ids))
            log.warning("publish failed; the sweeper will re-publish",
                        extra={"messages": len(message_ids), "error": str(error)})
        return []

    def _routes_of(self, message_ids: Sequence[int]) -> dict[int, tuple[int, bool]]:
        """Each message's shard, and whether it takes the priority lane."""
        with self._session_factory() as session:
            rows = session.execute(
                select(Message.id, Message.force_id, Message.channel, Message.author_id,
                       Message.shared_of, Message.text).where(Message.id.in_(list(message_ids)))
            ).all()
        routes = {row.id: (shard_of(conversation_key(row.force_id, row.channel, row.author_id,
                                                     row.shared_of), self.layout.shards),
                           bool(self.urgent and self.urgent(row.text)))
                  for row in rows}
        return {message_id: routes.get(message_id, (0, False)) for message_id in message_ids}


def ensure_groups(client: redis.Redis, layout: StreamLayout) -> int:
    """Create the streams and the group where missing (first start, or a Redis that lost them).

    Returns how many groups had to be created: more than zero after a data loss means entries
    may have been lost too, and the caller should sweep.
    """
    created = 0
    for stream in layout.streams():
        try:
            client.xgroup_create(stream, layout.group, id="0", mkstream=True)
            created += 1
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
    return created


def claim_idle(
    client: redis.Redis, layout: StreamLayout, shard: int, consumer: str, idle_ms: int, count: int,
    *, priority: bool = False,
) -> tuple[list[Entry], list[str]]:
    """Take over entries pending longer than idle_ms (their worker died, or their attempt failed).

    Returns the claimed entries and the ids of pending entries whose data is gone.
    """
    reply: Any = client.xautoclaim(layout.stream(shard, priority), layout.group, consumer, idle_ms,
                                   "0-0", count=count)
    claimed, deleted = reply[1], (reply[2] if len(reply) > 2 else [])
    return _entries(claimed), list(deleted)


def read_new(
    client: redis.Redis, layout: StreamLayout, shard: int, consumer: str, count: int,
    *, priority: bool = False,
) -> list[Entry]:
    reply: Any = client.xreadgroup(layout.group, consumer, {layout.stream(shard, priority): ">"},
                                   count=count)
    if not reply:
        return []
    # RESP2 answers [[stream, entries]]; RESP3 answers {stream: [entries]}.
    return _entries(reply[0][1] if isinstance(reply, list) else next(iter(reply.values()))[0])


def acknowledge(client: redis.Redis, layout: StreamLayout, shard: int, entry_ids: Sequence[str],
                *, priority: bool = False) -> None:
    """Acknowledge and delete together, after the commit: the stream keeps only the backlog."""
    if not entry_ids:
        return
    stream = layout.stream(shard, priority)
    pipe = client.pipeline(transaction=True)
    pipe.xack(stream, layout.group, *entry_ids)
    pipe.xdel(stream, *entry_ids)
    pipe.execute()


def backlog(client: redis.Redis, layout: StreamLayout, *, priority: bool = False) -> dict[int, int]:
    """Entries per shard of one lane not yet acknowledged (waiting or in a worker's hands)."""
    pipe = client.pipeline(transaction=False)
    for stream in layout.lane(priority):
        pipe.xlen(stream)
    return dict(enumerate(int(n) for n in pipe.execute()))


def total_backlog(client: redis.Redis, layout: StreamLayout) -> int:
    """Entries of both lanes not yet acknowledged."""
    return sum(backlog(client, layout).values()) + sum(backlog(client, layout, priority=True).values())


def pending(client: redis.Redis, layout: StreamLayout) -> int:
    """Entries delivered to a worker and not yet acknowledged, over all shards of both lanes."""
    total = 0
    for stream in layout.streams():
        try:
            total += int(client.xpending(stream, layout.group)["pending"])
        except redis.ResponseError:  # no group yet
            continue
    return total


def _entries(raw: list[tuple[str, dict[str, str]]]) -> list[Entry]:
    entries = []
    for entry_id, fields in raw:
        if fields and "id" in fields:
            entries.append(Entry(entry_id, int(fields["id"])))
    return entries
