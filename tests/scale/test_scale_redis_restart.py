"""Redis killed and restarted mid-burst, with and without its append-only file: messages are
committed in PostgreSQL before they are published, so what Redis loses the sweeper re-publishes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from tests.conftest import make_beacon
from tests.scale.conftest import distributed_settings
from tests.scale.faults import WorkerPool, burst, problems_after, run_with_faults, unprocessed
from tests.scale.redis_server import OwnRedis

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BURST = int(os.environ.get("BEACON_SCALE_BURST", "3000"))


@pytest.fixture(params=[True, False], ids=["appendonly", "no-persistence"])
def own_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OwnRedis]:
    (tmp_path / "redis").mkdir()
    server = OwnRedis(tmp_path / "redis", appendonly=request.param)
    yield server
    server.kill()


def test_a_burst_survives_redis_restarted_mid_burst(
    postgres_url: str, tmp_path: Path, clock: FakeClock, own_redis: OwnRedis
) -> None:
    beacon: Beacon = make_beacon(postgres_url, tmp_path, clock,
                                 **distributed_settings("beacon:pipeline", redis_url=own_redis.url))
    pool = WorkerPool(2, [postgres_url, own_redis.url, "beacon:pipeline", "1000"])
    try:
        run = run_with_faults(beacon, burst(BURST, seed=11), pool, kill_every=(0.5, 1.5),
                              fault=own_redis.restart)
        assert unprocessed(beacon) == 0
        assert len(set(run.accepted)) == BURST
        assert pool.exits == 0, "a worker ended by itself"
        assert problems_after(beacon, run.accepted) == []
    finally:
        pool.close()
        beacon.engine.dispose()
