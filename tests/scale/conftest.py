"""Fixtures for the distributed mode: PostgreSQL, Redis streams of the test's own, a worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.pipeline.redis_streams import StreamLayout, connect
from beacon.pipeline.worker import Worker, WorkerOptions
from tests.conftest import REDIS_URL, make_beacon
from tests.fakes import SHARED_AUDIT_KEY


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    assert REDIS_URL, "BEACON_TEST_REDIS_URL is not set"
    client = connect(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def stream_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """Streams of this test only (the Redis database is shared), deleted afterwards."""
    prefix = f"beacon-test:{uuid.uuid4().hex[:10]}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def distributed_settings(prefix: str, **overrides: object) -> dict[str, object]:
    settings: dict[str, object] = {
        "transport": "redis", "redis_url": REDIS_URL, "stream_prefix": prefix,
        "stream_shards": 4, "claim_idle_ms": 60_000, "max_attempts": 3,
        "audit_key": SHARED_AUDIT_KEY,
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def dist_beacon(
    postgres_url: str, tmp_path: Path, clock: FakeClock, stream_prefix: str
) -> Iterator[Beacon]:
    """A Beacon on PostgreSQL whose transport is Redis Streams (no worker running)."""
    instance = make_beacon(postgres_url, tmp_path, clock, **distributed_settings(stream_prefix))
    yield instance
    instance.engine.dispose()


@pytest.fixture
def worker(dist_beacon: Beacon, redis_client: redis.Redis) -> Worker:
    instance = Worker(dist_beacon, redis_client, WorkerOptions(name="worker-a"))
    instance.prepare()
    return instance


def layout_of(beacon: Beacon) -> StreamLayout:
    return StreamLayout.from_settings(beacon.settings)


def drain(worker: Worker, rounds: int = 50) -> int:
    """Run the worker until a round finds nothing to do; returns entries handled."""
    total = 0
    for _ in range(rounds):
        handled = worker.run_once()
        if handled == 0:
            return total
        total += handled
    raise AssertionError(f"still busy after {rounds} rounds")


def with_settings(beacon: Beacon, **overrides: object) -> Beacon:
    """The same Beacon with other settings (workers read theirs from beacon.settings)."""
    import dataclasses

    return dataclasses.replace(beacon, settings=beacon.settings.model_copy(update=overrides))
