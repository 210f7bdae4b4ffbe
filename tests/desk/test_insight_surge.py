"""The surge indicator: far above normal for the hour, judged on a robust baseline."""

from __future__ import annotations

from datetime import timedelta

from beacon.cases.access import force_wide
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.insight.demand import count_inbound
from beacon.insight.surge import SurgeRule, detect_surge, judge_surge
from tests.desk.desk_builders import add_message, force_id


def burst(beacon: Beacon, count: int, end_minutes_ago: float, span_minutes: float = 50) -> None:
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        force = force_id(session)
        for i in range(count):
            add_message(session, force, now - timedelta(minutes=end_minutes_ago + span_minutes * i / max(count, 1)))


def surge_now(beacon: Beacon):  # type: ignore[no-untyped-def]
    with beacon.read_session_factory() as session:
        force = force_id(session)
        return detect_surge(lambda a, b: count_inbound(session, force_wide(force), a, b), beacon.clock.now())


def test_a_burst_after_quiet_hours_is_a_surge(beacon: Beacon) -> None:
    for hour in range(1, 7):
        burst(beacon, 5, end_minutes_ago=60 * hour + 1)
    assert not surge_now(beacon).active
    burst(beacon, 40, end_minutes_ago=1)
    surge = surge_now(beacon)
    assert surge.active and surge.current == 40 and surge.normal == 5
    assert surge.baseline == "previous hours"


def test_the_same_busy_hour_as_previous_weeks_is_not_a_surge(beacon: Beacon, clock: FakeClock) -> None:
    # Friday-night busy every week: 40 an hour is normal for this hour, though the hours before were quiet.
    for week in range(1, 5):
        burst(beacon, 40, end_minutes_ago=week * 7 * 24 * 60 + 1)
    for hour in range(1, 7):
        burst(beacon, 5, end_minutes_ago=60 * hour + 1)
    burst(beacon, 45, end_minutes_ago=1)
    surge = surge_now(beacon)
    assert surge.baseline == "same hour on previous weeks" and not surge.active


def test_the_surge_ends_when_the_clock_moves_on(beacon: Beacon, clock: FakeClock) -> None:
    burst(beacon, 40, end_minutes_ago=1)
    assert surge_now(beacon).active
    clock.advance(hours=2)
    assert not surge_now(beacon).active


def test_a_few_messages_are_never_a_surge_however_quiet_it_was() -> None:
    assert not judge_surge(8, [0, 0, 0, 0, 0, 0], "previous hours").active
    assert judge_surge(15, [0, 0, 0, 0, 0, 0], "previous hours").active


def test_noise_on_a_busy_baseline_is_not_a_surge() -> None:
    history = [100, 110, 95, 105, 98, 102]
    assert not judge_surge(130, history, "previous hours").active
    assert judge_surge(220, history, "previous hours").active


def test_rule_is_configurable() -> None:
    assert judge_surge(12, [2, 2, 2], "previous hours", SurgeRule(min_count=10)).active
