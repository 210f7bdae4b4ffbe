"""`beacon worker`: takes message ids from the shard streams and runs the pipeline on them.

For each shard with a backlog, one transaction:

1. `pg_try_advisory_xact_lock` on the shard: if another worker holds it, move on. The lock lives
   as long as the transaction, and dies with a killed worker's connection, so one shard is
   processed by one worker at a time, in stream order, without leases to expire.
2. Claim entries left pending longer than `claim_idle_ms` (a dead worker's, or a failed attempt
   waiting to be retried), then read new ones, up to `worker_batch`.
3. Run the pipeline on them (a savepoint each; a failure is retried up to `max_attempts`).
4. Commit; only then acknowledge (and delete) the entries. A crash before the commit leaves
   them pending for a claim; a crash after it leaves them pending too, and the redelivery is
   skipped because the message is no longer `received`.

A sweeper re-publishes messages that are stored but in no stream (published while Redis was
down, or lost with Redis's memory), so a Redis outage delays messages but cannot drop them.

Shards with entries in the priority lane are served first, and again before each ordinary shard,
so a likely emergency waits for at most the batch in hand, not for the backlog.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import redis
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.messages import utc_now
from beacon.pipeline import metrics
from beacon.pipeline.redis_streams import (
    Entry,
    RedisStreamsTransport,
    StreamLayout,
    acknowledge,
    backlog,
    claim_idle,
    ensure_groups,
    read_new,
    total_backlog,
)
from beacon.pipeline.priority import processing_order
from beacon.pipeline.runner import Batch
from beacon.store.tables import Message

log = logging.getLogger(__name__)

# Published but not yet in a stream for this long, with every stream empty: lost in transit.
PUBLISH_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class WorkerOptions:
    name: str
    idle_poll_seconds: float = 0.05  # how long to wait when every shard is empty
    sweep_every_seconds: float = 10.0
    error_backoff_seconds: float = 1.0


class Worker:
    def __init__(self, beacon: Beacon, client: redis.Redis, options: WorkerOptions) -> None:
        self._beacon = beacon
        self._client = client
        self._options = options
        self._settings = beacon.settings
        self._layout = StreamLayout.from_settings(beacon.settings)
        self._lock_space = zlib.crc32(self._layout.prefix.encode()) & 0x7FFFFFFF
        self._is_postgres = beacon.engine.dialect.name == "postgresql"
        self._next_sweep = 0.0

    @property
    def name(self) -> str:
        return self._options.name

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set; the batch in hand is finished and acknowledged first."""
        self._prepare_when_redis_answers(stop)
        log.info("worker started", extra={"worker": self.name, "shards": self._layout.shards})
        while not stop.is_set():
            try:
                handled = self.run_once()
                self._maybe_sweep()
            except (redis.RedisError, OSError) as error:
                self._recover_from(error)
                stop.wait(self._options.error_backoff_seconds)
                continue
            except Exception:
                log.exception("worker round failed", extra={"worker": self.name})
                stop.wait(self._options.error_backoff_seconds)
                continue
            if handled == 0:
                stop.wait(self._options.idle_poll_seconds)
        self._beacon.audit_seal.checkpoints.write_if_moved()  # sign what this worker appended
        log.info("worker stopped", extra={"worker": self.name})

    def run_once(self) -> int:
        """One pass over the shards that have a backlog, in random order; entries handled.

        The priority lane is looked at first and again before each ordinary shard."""
        handled = self.serve_priority()
        waiting = [shard for shard, size in backlog(self._client, self._layout).items() if size]
        random.shuffle(waiting)  # workers spread over the shards instead of queueing on one lock
        for shard in waiting:
            handled += self.serve_priority() + self.serve_shard(shard)
        return handled

    def serve_priority(self) -> int:
        """Serve the shards whose priority lane has entries (those alone, not their backlog)."""
        urgent = [shard for shard, size in backlog(self._client, self._layout, priority=True).items()
                  if size]
        return sum(self.serve_shard(shard, ordinary=False) for shard in urgent)

    def serve_shard(self, shard: int, *, ordinary: bool = True) -> int:
        started = time.monotonic()
        with self._beacon.session_factory.begin() as session:
            if not self._lock_shard(session, shard):
                return 0
            # The ordinary lane is read before the priority lane: see pipeline/priority.py.
            entries, gone = self._take(shard, priority=False) if ordinary else ([], [])
            urgent, urgent_gone = self._take(shard, priority=True)
            if not (entries or gone or urgent or urgent_gone):
                return 0
            order = processing_order(session, [e.message_id for e in urgent],
                                     [e.message_id for e in entries])
            batch = self._beacon.pipeline.process_in(session, order, self._settings.max_attempts)
            arrived = _arrival_times(session, batch)
        # Committed: the effects are durable, so the entries may go.
        for lane, taken, lost in ((False, entries, gone), (True, urgent, urgent_gone)):
            done = [e.entry_id for e in taken if e.message_id not in batch.retrying]
            acknowledge(self._client, self._layout, shard, done + lost, priority=lane)
        self._observe(batch, arrived, time.monotonic() - started)
        if urgent:
            log.info("served the priority lane", extra={
                "worker": self.name, "shard": shard, "message_ids": [e.message_id for e in urgent],
                "earlier_messages": len(order) - len(entries) - len(urgent)})
        log.debug("batch committed", extra={
            "worker": self.name, "shard": shard, "message_ids": order,
            "retrying": sorted(batch.retrying), "seconds": round(time.monotonic() - started, 4)})
        return len(entries) + len(urgent)

    def sweep(self, grace_seconds: float) -> int:
        """Re-publish messages still `received` after grace_seconds; returns how many."""
        cutoff = utc_now() - timedelta(seconds=grace_seconds)
        with self._beacon.read_session_factory() as session:
            ids = list(session.scalars(
                select(Message.id)
                .where(Message.state == "received", Message.received_at < cutoff)
                .order_by(Message.id)
                .limit(50_000)
            ))
        if ids:
            self._transport().publish(ids)
            metrics.SWEPT.inc(len(ids))
            log.warning("re-published unprocessed messages", extra={"messages": len(ids)})
        return len(ids)

    def _prepare_when_redis_answers(self, stop: threading.Event) -> None:
        """A worker started while Redis is down (or restarting) waits for it, not dies."""
        while not stop.is_set():
            try:
                self.prepare()
                return
            except (redis.RedisError, OSError) as error:
                log.warning("redis unavailable at start; retrying",
                            extra={"worker": self.name, "error": str(error)})
                stop.wait(self._options.error_backoff_seconds)

    def prepare(self) -> None:
        if ensure_groups(self._client, self._layout):
            self._next_sweep = 0.0  # new streams: anything stored earlier may be in none

    def _take(self, shard: int, *, priority: bool) -> tuple[list[Entry], list[str]]:
        size = self._settings.worker_batch
        claimed, gone = claim_idle(self._client, self._layout, shard, self.name,
                                   self._settings.claim_idle_ms, size, priority=priority)
        if claimed:
            metrics.CLAIMED.inc(len(claimed))
            log.info("claimed idle entries", extra={"worker": self.name, "shard": shard,
                                                    "priority": priority, "entries": len(claimed)})
        fresh = read_new(self._client, self._layout, shard, self.name, size - len(claimed),
                         priority=priority) if len(claimed) < size else []
        return claimed + fresh, gone

    def _lock_shard(self, session: Session, shard: int) -> bool:
        if not self._is_postgres:  # SQLite has one writer anyway: run one worker there
            return True
        return bool(session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:space, :shard)"),
            {"space": self._lock_space, "shard": shard},
        ))

    def _maybe_sweep(self) -> None:
        """At most one worker sweeps per interval (a Redis key with an expiry decides which)."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._options.sweep_every_seconds
        interval_ms = int(self._options.sweep_every_seconds * 1000)
        if not self._client.set(f"{self._layout.prefix}:sweeper", self.name, nx=True, px=interval_ms):
            return
        empty = total_backlog(self._client, self._layout) == 0
        self.sweep(PUBLISH_GRACE_SECONDS if empty else self._settings.stale_after_seconds)

    def _recover_from(self, error: Exception) -> None:
        log.warning("redis unavailable; retrying", extra={"worker": self.name, "error": str(error)})
        try:
            self.prepare()  # a restarted Redis without its data needs its streams and group back
        except (redis.RedisError, OSError):
            return

    def _transport(self) -> RedisStreamsTransport:
        """Publishes as intake does, down the priority lane too (the sweeper's re-publishes)."""
        urgent = getattr(self._beacon.transport, "urgent", None)
        return RedisStreamsTransport(self._client, self._beacon.session_factory, self._layout, urgent)

    def _observe(self, batch: Batch, arrived: dict[int, float], seconds: float) -> None:
        metrics.BATCH_SECONDS.observe(seconds)
        now = utc_now().timestamp()
        for result in batch.results:
            if result is None:
                continue
            outcome = "skipped" if result.skipped else "processed"
            metrics.PROCESSED.labels(outcome=outcome).inc()
            if not result.skipped and result.message_id in arrived:
                metrics.LATENCY_SECONDS.observe(max(0.0, now - arrived[result.message_id]))
        metrics.PROCESSED.labels(outcome="retrying").inc(len(batch.retrying))
        failed = sum(r is None for r in batch.results) - len(batch.retrying)
        metrics.PROCESSED.labels(outcome="dead_letter").inc(failed)


def _arrival_times(session: Session, batch: Batch) -> dict[int, float]:
    """Arrival time of each processed message (already in the session: no query)."""
    times: dict[int, float] = {}
    for result in batch.results:
        if result is not None and not result.skipped:
            message = session.get(Message, result.message_id)
            if message is not None:
                times[result.message_id] = message.received_at.timestamp()
    return times


def default_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}-{os.getpid()}"


def stop_on_signals(stop: threading.Event, signals: Sequence[int]) -> None:
    """SIGTERM/SIGINT set `stop`: the worker finishes the batch in hand, then exits."""
    import signal

    for signum in signals:
        signal.signal(signum, lambda *_: stop.set())
