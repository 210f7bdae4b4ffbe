"""Shared helpers for intake tests: fixture loading and a fixed receive time (imported by name)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers"
RECEIVED = datetime(2024, 11, 28, 12, 0, tzinfo=UTC)


def fixture_bytes(channel: str, name: str) -> bytes:
    return (FIXTURES / channel / name).read_bytes()


@pytest.fixture
def received() -> datetime:
    return RECEIVED
