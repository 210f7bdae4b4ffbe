"""Time that counts towards a milestone: all of it on a 24/7 queue, opening hours otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from beacon.cases.settings import WEEKDAYS, Calendar

_LOOKAHEAD_DAYS = 400  # a calendar with no opening in a year is a mistake, not a long wait


def add_open_minutes(start: datetime, minutes: float, calendar: Calendar) -> datetime:
    """The moment `minutes` of open time have passed since `start` (UTC in, UTC out)."""
    if calendar.always_open:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    cursor = start
    for opens, closes in _openings_from(start, calendar):
        begin = max(cursor, opens)
        if begin >= closes:
            continue
        if begin + remaining <= closes:
            return begin + remaining
        remaining -= closes - begin
        cursor = closes
    raise ValueError(f"calendar has no opening hours within {_LOOKAHEAD_DAYS} days of {start}")


def is_open(moment: datetime, calendar: Calendar) -> bool:
    if calendar.always_open:
        return True
    local_day = moment.astimezone(ZoneInfo(calendar.timezone)).date()
    window = _opening(local_day, calendar)
    return window is not None and window[0] <= moment < window[1]


def _openings_from(start: datetime, calendar: Calendar) -> Iterator[tuple[datetime, datetime]]:
    first = start.astimezone(ZoneInfo(calendar.timezone)).date()
    for n in range(_LOOKAHEAD_DAYS):
        window = _opening(first + timedelta(days=n), calendar)
        if window is not None:
            yield window


def _opening(day: date, calendar: Calendar) -> tuple[datetime, datetime] | None:
    hours = calendar.hours.get(WEEKDAYS[day.weekday()])
    if hours is None or day in calendar.holidays:
        return None
    zone = ZoneInfo(calendar.timezone)
    opens = datetime.combine(day, hours[0], tzinfo=zone).astimezone(UTC)
    closes = datetime.combine(day, hours[1], tzinfo=zone).astimezone(UTC)
    return opens, closes
