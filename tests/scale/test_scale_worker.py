"""The distributed pipeline on PostgreSQL and Redis Streams: delivery, acknowledgement, claims,
bounded retries and the sweeper, driven one worker round at a time (no sleeps, no timing)."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.pipeline.redis_streams import (
    Entry,
    RedisStreamsTransport,
    StreamLayout,
    connect,
    conversation_key,
    pending,
    read_new,
    shard_of,
    total_backlog,
)
from beacon.pipeline.worker import Worker, WorkerOptions
from beacon.store.tables import Case, DeadLetter, Message
from beacon.store.tables_scale import PipelineAttempt
from tests.builders import inbound
from tests.scale.conftest import drain, layout_of, with_settings as _with

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SAM = {"id": "+447700900123", "handle": "+447700900123"}


def _states(beacon: Beacon) -> dict[int, str]:
    with beacon.read_session_factory() as session:
        return {row.id: row.state for row in session.execute(select(Message.id, Message.state))}


def _count(beacon: Beacon, column: object) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count(column))) or 0)


def test_intake_only_publishes_and_one_conversation_shares_a_shard(
    dist_beacon: Beacon, worker: Worker, redis_client: redis.Redis
) -> None:
    accepted = dist_beacon.ingest([inbound(text=f"my bike was stolen {n}", author=SAM) for n in range(3)])
    layout = layout_of(dist_beacon)
    shard = shard_of(conversation_key(1, "sms", SAM["id"], None), layout.shards)
    entries = redis_client.xrange(layout.stream(shard))
    assert [int(fields["id"]) for _, fields in entries] == [a.message_id for a in accepted]
    assert set(_states(dist_beacon).values()) == {"received"}  # nothing ran in the intake process


def test_a_worker_processes_then_acknowledges_and_deletes_its_entries(
    dist_beacon: Beacon, worker: Worker, redis_client: redis.Redis
) -> None:
    dist_beacon.ingest([inbound(text="He has a knife", author=SAM)] +
                       [inbound(text=f"thanks {n}") for n in range(20)])
    assert drain(worker) == 21
    assert set(_states(dist_beacon).values()) == {"processed"}
    layout = layout_of(dist_beacon)
    assert total_backlog(redis_client, layout) == 0
    assert pending(redis_client, layout) == 0


def test_entries_left_by_a_dead_worker_wait_for_the_idle_time_then_are_claimed(
    dist_beacon: Beacon, redis_client: redis.Redis, worker: Worker
) -> None:
    [accepted] = dist_beacon.ingest([inbound(text="He has a knife", author=SAM)])
    layout = layout_of(dist_beacon)
    taken = _read_by_a_worker_that_dies(redis_client, layout)
    assert [e.message_id for e in taken] == [accepted.message_id]  # the dead worker had it

    assert drain(worker) == 0  # not idle long enough (claim_idle_ms is a minute)
    assert _states(dist_beacon)[accepted.message_id] == "received"

    eager = Worker(_with(dist_beacon, claim_idle_ms=0), redis_client, WorkerOptions(name="worker-b"))
    assert drain(eager) == 1
    assert _states(dist_beacon)[accepted.message_id] == "processed"
    assert pending(redis_client, layout) == 0


def test_an_entry_redelivered_after_its_commit_changes_nothing(
    dist_beacon: Beacon, redis_client: redis.Redis, worker: Worker
) -> None:
    [accepted] = dist_beacon.ingest([inbound(text="He has a knife", author=SAM)])
    layout = layout_of(dist_beacon)
    _read_by_a_worker_that_dies(redis_client, layout)  # it commits, and dies before XACK
    dist_beacon.pipeline.process(accepted.message_id)

    eager = Worker(_with(dist_beacon, claim_idle_ms=0), redis_client, WorkerOptions(name="worker-b"))
    assert drain(eager) == 1
    assert _count(dist_beacon, Case.id) == 1
    assert pending(redis_client, layout) == 0


def test_a_failing_message_is_retried_then_dead_lettered_after_max_attempts(
    dist_beacon: Beacon, redis_client: redis.Redis
) -> None:
    [bad] = dist_beacon.ingest([inbound(text="boom")])
    eager = Worker(_with(dist_beacon, claim_idle_ms=0), redis_client, WorkerOptions(name="w"))
    eager.prepare()
    layout = layout_of(dist_beacon)
    for attempt in (1, 2):
        assert eager.run_once() == 1
        assert _states(dist_beacon)[bad.message_id] == "received"
        assert _attempts(dist_beacon, bad.message_id) == attempt
        assert pending(redis_client, layout) == 1  # kept for another try
    assert eager.run_once() == 1  # the third attempt of three is final
    assert _states(dist_beacon)[bad.message_id] == "failed"
    with dist_beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))
    assert letter.message_id == bad.message_id and "triage exploded" in letter.reason
    assert pending(redis_client, layout) == 0 and total_backlog(redis_client, layout) == 0


def test_the_sweeper_republishes_what_a_redis_without_its_data_lost(
    dist_beacon: Beacon, redis_client: redis.Redis, worker: Worker
) -> None:
    dist_beacon.ingest([inbound(text=f"knife {n}") for n in range(5)])
    layout = layout_of(dist_beacon)
    redis_client.delete(*layout.streams())  # Redis restarted without persistence

    assert worker.run_once() == 0
    worker.prepare()
    assert worker.sweep(grace_seconds=0) == 5
    assert drain(worker) == 5
    assert set(_states(dist_beacon).values()) == {"processed"}


def test_intake_still_stores_when_redis_is_down_and_the_sweeper_catches_up(
    dist_beacon: Beacon, worker: Worker
) -> None:
    dead = connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    dist_beacon.transport = RedisStreamsTransport(dead, dist_beacon.session_factory,
                                                  layout_of(dist_beacon))
    [accepted] = dist_beacon.ingest([inbound(text="He has a knife", author=SAM)])
    assert not accepted.duplicate and _states(dist_beacon) == {accepted.message_id: "received"}

    assert worker.sweep(grace_seconds=0) == 1
    assert drain(worker) == 1
    assert _states(dist_beacon) == {accepted.message_id: "processed"}


def _read_by_a_worker_that_dies(client: redis.Redis, layout: StreamLayout) -> list[Entry]:
    """Every entry of both lanes, read and never acknowledged."""
    return [entry for priority in (False, True) for shard in range(layout.shards)
            for entry in read_new(client, layout, shard, "dead", 10, priority=priority)]


def _attempts(beacon: Beacon, message_id: int) -> int:
    with beacon.read_session_factory() as session:
        row = session.get(PipelineAttempt, message_id)
        return row.attempts if row else 0


