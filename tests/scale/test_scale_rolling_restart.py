"""A zero-loss rolling restart: a burst goes through intake while the workers are restarted one
at a time with SIGTERM. Each stops gracefully (the batch in hand finished, committed and
acknowledged: it exits 0 with nothing left pending in its name), and afterwards every message was
processed once, none lost, none on two case lines.

Right after each stop the test looks at what is still pending in the stopped worker's name: only
entries whose processing failed and is to be retried may be (a failed attempt is counted and left
pending on purpose, for a claim after BEACON_CLAIM_IDLE_MS); anything else would be a batch the
worker did not finish and acknowledge before exiting. Size: BEACON_SCALE_BURST // 3 messages (1,000 by default) in four parts, a restart after
each while the backlog is there: seconds on a CI machine.
"""

from __future__ import annotations

import os
import time

import pytest
import redis
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.store.tables_scale import PipelineAttempt
from tests.conftest import REDIS_URL
from tests.scale.conftest import layout_of
from tests.scale.faults import BurstRun, WorkerPool, burst, problems_after, send_burst, unprocessed

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BURST = int(os.environ.get("BEACON_SCALE_BURST", "3000")) // 3
PARTS = 4
CLAIM_MS = 2_000  # failed attempts are retried this soon
DEADLINE_SECONDS = 600  # a liveness bound: the checks below then say what is missing


def _left_unfinished(client: redis.Redis, beacon: Beacon, consumer: str) -> list[int]:
    """Messages delivered to this consumer, not acknowledged, and not waiting for a retry."""
    layout = layout_of(beacon)
    left = []
    for stream in layout.streams():
        for entry in client.xpending_range(stream, layout.group, "-", "+", 10_000, consumer):
            for _, fields in client.xrange(stream, entry["message_id"], entry["message_id"]):
                left.append(int(fields["id"]))
    with beacon.read_session_factory() as session:
        retrying = set(session.scalars(select(PipelineAttempt.message_id)))
    return [message_id for message_id in left if message_id not in retrying]


def test_workers_restarted_one_at_a_time_with_sigterm_lose_and_double_nothing(
    dist_beacon: Beacon, postgres_url: str, stream_prefix: str, redis_client: redis.Redis
) -> None:
    pool = WorkerPool(2, [postgres_url, str(REDIS_URL), stream_prefix, str(CLAIM_MS)])
    messages, run = burst(BURST, seed=5), BurstRun()
    stops: list[tuple[int | None, list[int]]] = []
    try:
        assert pool.wait_until_up(0) and pool.wait_until_up(1)
        size = -(-BURST // PARTS)
        for part in range(PARTS):
            send_burst(dist_beacon, messages[part * size:(part + 1) * size], run)
            # The backlog is there: stop one worker (likely mid-batch) while the other works on.
            name, code = pool.restart_gracefully(part % 2)
            stops.append((code, _left_unfinished(redis_client, dist_beacon, name)))
            assert pool.wait_until_up(part % 2), "a restarted worker did not come up"
        deadline = time.monotonic() + DEADLINE_SECONDS
        while unprocessed(dist_beacon) > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [code for code, _ in stops] == [0] * PARTS, "SIGTERM: finish the batch, exit 0"
        assert [left for _, left in stops] == [[]] * PARTS, "a stopped worker left a batch unfinished"
        assert len(set(run.accepted)) == BURST
        assert unprocessed(dist_beacon) == 0
        assert problems_after(dist_beacon, run.accepted) == []
        assert pool.exits == 0 and pool.stop_gracefully() == [0, 0]
    finally:
        pool.close()
