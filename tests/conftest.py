"""Shared fixtures: a Beacon on a fresh SQLite or PostgreSQL database, signed-in clients.

Tests that need PostgreSQL, Redis or Chromium skip when those are absent, except where
BEACON_REQUIRE_SERVICES=1 (set by .ci/run): there a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from beacon.bootstrap import Beacon, bootstrap
from beacon.clock import FakeClock
from beacon.config import Settings
from tests.fakes import KeywordTriage

POSTGRES_URL = os.environ.get("BEACON_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("BEACON_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("BEACON_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = {
        "postgres": None if POSTGRES_URL else "BEACON_TEST_POSTGRES_URL is not set",
        "redis": None if REDIS_URL else "BEACON_TEST_REDIS_URL is not set",
        "browser": None if shutil.which("chromium") else "Debian's chromium is not installed",
    }
    for item in items:
        for marker, reason in missing.items():
            if reason and item.get_closest_marker(marker):
                if REQUIRE_SERVICES:
                    raise pytest.UsageError(f"{item.nodeid} needs {marker}: {reason}")
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'beacon.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of its own for each test, dropped afterwards."""
    assert POSTGRES_URL, "BEACON_TEST_POSTGRES_URL is not set"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"beacon_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'beacon.db'}"
    return str(request.getfixturevalue("postgres_url"))


def make_beacon(url: str, tmp_path: Path, clock: FakeClock, **overrides: object) -> Beacon:
    """A migrated Beacon whose triage is the keyword fake (pipeline tests test the pipeline).

    No role needs a second factor here, so tests sign supervisors in with a password alone;
    tests/accounts turn the requirement on where they test it."""
    overrides.setdefault("totp_required_roles", "")
    settings = Settings(database_url=url, var_dir=tmp_path / "var", secret_key="test-secret", **overrides)
    beacon = bootstrap(settings, clock=clock, triage_engine=KeywordTriage())
    beacon.prepare_database()
    return beacon


@pytest.fixture
def beacon(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    instance = make_beacon(sqlite_url, tmp_path, clock)
    yield instance
    instance.engine.dispose()


@pytest.fixture
def any_beacon(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    """A Beacon on SQLite and, in a second run, on PostgreSQL."""
    instance = make_beacon(database_url, tmp_path, clock)
    yield instance
    instance.engine.dispose()
