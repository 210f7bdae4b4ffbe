"""Case numbers: counted per force per day, and two transactions opening the day's first case at
once both get a number (the second used to fail on the counter's primary key)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from beacon.cases.lifecycle import next_reference
from beacon.clock import FakeClock
from beacon.store.tables import Force
from tests.conftest import make_beacon

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_numbers_count_up_within_a_day_and_start_again_the_next(any_beacon) -> None:
    with any_beacon.session_factory.begin() as session:
        force = session.scalars(select(Force)).first()
        first = next_reference(session, force, NOW)
        second = next_reference(session, force, NOW)
        next_day = next_reference(session, force, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    assert first.endswith("-261129-0001") and second.endswith("-261129-0002")
    assert next_day.endswith("-261130-0001")


@pytest.mark.postgres
def test_two_transactions_numbering_the_days_first_case_at_once_both_succeed(
    postgres_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    beacon = make_beacon(postgres_url, tmp_path, clock)
    try:
        with beacon.session_factory() as first, beacon.session_factory() as second:
            force = first.scalars(select(Force)).first()
            other_force = second.get(Force, force.id)
            numbers: dict[str, str] = {}
            errors: list[BaseException] = []
            numbers["first"] = next_reference(first, force, NOW)  # holds the new counter row

            def number_second() -> None:
                try:
                    numbers["second"] = next_reference(second, other_force, NOW)
                    second.commit()
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)

            waiter = threading.Thread(target=number_second)
            waiter.start()
            _wait_until_a_backend_waits_for_a_lock(beacon)
            first.commit()
            waiter.join(30)
        assert not errors, errors
        assert sorted(numbers.values()) == [numbers["first"], numbers["second"]]
        assert numbers["first"].endswith("-0001") and numbers["second"].endswith("-0002")
    finally:
        beacon.engine.dispose()


def _wait_until_a_backend_waits_for_a_lock(beacon) -> None:
    """The second transaction is blocked on the first's uncommitted row (not a timed guess)."""
    for _ in range(3000):
        with beacon.engine.connect() as conn:
            waiting = conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ))
        if waiting:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the second transaction never waited for the first")
