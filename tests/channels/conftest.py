"""Fixtures for channel tests: a Beacon with every channel's secrets, signed requests, clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.web.app import create_app
from tests.conftest import make_beacon

META_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
TWILIO_TOKEN = "twilio-auth-token-for-tests"
X_SECRET = "x-consumer-secret-for-tests"
X_CLIENT_SECRET = "x-oauth2-client-secret-for-tests"
TELEGRAM_SECRET = "telegram-secret-token-for-tests"
PUBLIC = "https://beacon.example.police.uk"
# The public URL is https, so session cookies are Secure: test clients must speak https too.
HTTPS_TESTSERVER = "https://testserver"

CHANNEL_SETTINGS: dict[str, object] = {
    "meta_app_secret": META_SECRET,
    "meta_verify_token": VERIFY_TOKEN,
    "twilio_auth_token": TWILIO_TOKEN,
    "twilio_account_sid": "AC00000000000000000000000000000000",
    "public_base_url": PUBLIC,
    "x_consumer_secret": X_SECRET,
    "x_client_secret": X_CLIENT_SECRET,
    "telegram_secret_token": TELEGRAM_SECRET,
    "telegram_bot_name": "force_bot",
    "dispatch_interval": 0,  # tests run the dispatcher themselves
}


def channel_beacon(url: str, tmp_path: Path, clock: FakeClock, **overrides: object) -> Beacon:
    return make_beacon(url, tmp_path, clock, **{**CHANNEL_SETTINGS, **overrides})


@pytest.fixture
def chan_beacon(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    instance = channel_beacon(sqlite_url, tmp_path, clock)
    yield instance
    instance.engine.dispose()


@pytest.fixture
def any_chan_beacon(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    instance = channel_beacon(database_url, tmp_path, clock)
    yield instance
    instance.engine.dispose()


@pytest.fixture
def chan_client(chan_beacon: Beacon) -> Iterator[TestClient]:
    with TestClient(create_app(chan_beacon), base_url=HTTPS_TESTSERVER) as client:
        yield client


def count(beacon: Beacon, model: type) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
