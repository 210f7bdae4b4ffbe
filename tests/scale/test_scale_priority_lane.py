"""The priority lane: a message the lexicon grades P1 is published to its shard's priority stream
and served before the ordinary backlog, without breaking its conversation's order."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.pipeline.redis_streams import backlog, pending, total_backlog
from beacon.pipeline.worker import Worker, WorkerOptions
from beacon.store.tables import Case, CaseEntry, Message
from tests.builders import inbound
from tests.scale.conftest import drain, layout_of, with_settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SAM = {"id": "+447700900123", "handle": "+447700900123"}


def _state(beacon: Beacon, message_id: int) -> str:
    with beacon.read_session_factory() as session:
        return session.get_one(Message, message_id).state


def _waiting(beacon: Beacon) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count(Message.id)).where(Message.state == "received")) or 0)


def _lanes(client: redis.Redis, beacon: Beacon) -> tuple[int, int]:
    layout = layout_of(beacon)
    return sum(backlog(client, layout).values()), sum(backlog(client, layout, priority=True).values())


def test_a_p1_published_behind_a_backlog_is_processed_before_the_backlog_drains(
    dist_beacon: Beacon, redis_client: redis.Redis
) -> None:
    beacon = with_settings(dist_beacon, worker_batch=10)  # one round: 10 a shard, 40 in all
    worker = Worker(beacon, redis_client, WorkerOptions(name="only-worker"))
    worker.prepare()
    beacon.ingest([inbound(text=f"Thanks for your help tonight, number {n}",
                           author={"id": f"+4477009{n:05d}"}) for n in range(200)])
    assert _lanes(redis_client, beacon) == (200, 0)
    assert worker.run_once() == 40  # the worker is busy with the backlog

    [p1] = beacon.ingest([inbound(text="He has a knife and is stabbing people outside the shop",
                                  author={"id": "+447700955555"})])
    assert _lanes(redis_client, beacon) == (160, 1)
    worker.run_once()
    assert _state(beacon, p1.message_id) == "processed"
    assert _waiting(beacon) >= 160 - 40  # the backlog is still there

    drain(worker)
    assert _waiting(beacon) == 0 and total_backlog(redis_client, layout_of(beacon)) == 0


def test_a_p1_takes_its_conversations_earlier_messages_first_and_later_ones_wait(
    dist_beacon: Beacon, worker: Worker, redis_client: redis.Redis
) -> None:
    earlier, urgent, later = dist_beacon.ingest([
        inbound(text="My bike was stolen from the garage", author=SAM),
        inbound(text="Now he is back and he has a knife", author=SAM),
        inbound(text="He smashed the garage window too", author=SAM),
    ])
    assert _lanes(redis_client, dist_beacon) == (2, 1)

    assert worker.serve_priority() == 1  # the priority lane alone, as a worker does first
    assert _state(dist_beacon, earlier.message_id) == "processed"  # taken along, in order
    assert _state(dist_beacon, urgent.message_id) == "processed"
    assert _state(dist_beacon, later.message_id) == "received"  # later: not overtaking

    assert drain(worker) == 2  # the ordinary entries: the earlier one is skipped, the later runs
    layout = layout_of(dist_beacon)
    assert total_backlog(redis_client, layout) == 0 and pending(redis_client, layout) == 0
    with dist_beacon.read_session_factory() as session:
        [case] = session.scalars(select(Case))
        lines = session.scalars(select(CaseEntry.message_id).where(
            CaseEntry.case_id == case.id, CaseEntry.kind == "message_in").order_by(CaseEntry.id)).all()
    # One case, opened by the first message, its lines in arrival order.
    assert lines == [earlier.message_id, urgent.message_id, later.message_id]


def test_the_sweeper_republishes_a_lost_p1_down_the_priority_lane(
    dist_beacon: Beacon, worker: Worker, redis_client: redis.Redis
) -> None:
    dist_beacon.ingest([inbound(text="He has a knife", author=SAM),
                        inbound(text="Thanks for your help", author={"id": "+447700900999"})])
    layout = layout_of(dist_beacon)
    redis_client.delete(*layout.streams())  # Redis restarted without persistence
    worker.prepare()
    assert worker.sweep(grace_seconds=0) == 2
    assert _lanes(redis_client, dist_beacon) == (1, 1)
    assert drain(worker) == 2
    assert _waiting(dist_beacon) == 0
