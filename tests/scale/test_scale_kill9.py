"""Workers killed with SIGKILL at random moments during a burst lose nothing and double nothing.

Size: BEACON_SCALE_BURST messages (default 3,000, CI-sized); `bench/faults.py --messages 50000`
is the large run. The deadline is a liveness bound, not a timing assertion.
"""

from __future__ import annotations

import os

import pytest

from beacon.bootstrap import Beacon
from tests.conftest import REDIS_URL
from tests.scale.faults import WorkerPool, burst, problems_after, run_with_faults, unprocessed

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BURST = int(os.environ.get("BEACON_SCALE_BURST", "3000"))


def test_a_burst_survives_workers_killed_at_random(dist_beacon: Beacon, postgres_url: str,
                                                  stream_prefix: str) -> None:
    pool = WorkerPool(2, [postgres_url, str(REDIS_URL), stream_prefix, "1000"])
    try:
        run = run_with_faults(dist_beacon, burst(BURST), pool, kill_every=(0.3, 1.2))
        assert pool.kills >= 3, "the burst was not sent through killings"
        assert len(set(run.accepted)) == BURST
        assert pool.exits == 0, "a worker ended by itself"
        assert problems_after(dist_beacon, run.accepted) == []
        assert unprocessed(dist_beacon) == 0
        assert pool.stop_gracefully() == [0, 0], "SIGTERM: finish the batch in hand, then exit 0"
    finally:
        pool.close()
