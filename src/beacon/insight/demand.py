"""Demand: inbound messages by hour, priority, channel, category and beat, with trends against
the same time last week. One indexed range read of the last 24 hours, counted in Python (the
categories are a JSON list and beats need the force's beats file, so SQL alone cannot group
them portably). The read takes only the small fields it counts: the database pulls the place
out of the triage JSON, and each distinct category list is decoded once, so a busy day's
thousands of rows cost milliseconds, not a JSON parse of every triage record."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, visible_messages
from beacon.insight.beats import BeatMap
from beacon.routing.case_disposition import monitored_cases_by_beat
from beacon.routing.record import shared_by_partner
from beacon.store.tables import Message

DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)
PRIORITIES = ("P1", "P2", "P3", "P4")
NOT_PLACED = "not placed"


@dataclass(frozen=True)
class HourCount:
    start: datetime
    by_priority: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_priority.values())


@dataclass(frozen=True)
class Trend:
    label: str
    now: int
    last_week: int

    @property
    def change_percent(self) -> int | None:
        if not self.last_week:
            return None
        return round(100 * (self.now - self.last_week) / self.last_week)


@dataclass(frozen=True)
class BeatDemand:
    code: str
    name: str
    contacts: int
    monitored: int  # community needs counted by beat rather than opened as cases


@dataclass(frozen=True)
class Demand:
    hours: list[HourCount]
    by_channel: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    beats: list[BeatDemand]
    not_placed: int
    trends: list[Trend] = field(default_factory=list)
    shared: list[tuple[str, int]] = field(default_factory=list)  # passed to partners, by partner


def count_inbound(session: Session, counted: Access, start: datetime, end: datetime) -> int:
    return int(session.scalar(
        select(func.count(Message.id)).where(
            visible_messages(counted), Message.received_at >= start, Message.received_at < end,
            Message.direction == "in")
    ) or 0)


def demand(session: Session, counted: Access, now: datetime, beat_map: BeatMap) -> Demand:
    """The last 24 hours of the messages `counted` takes in (beacon.insight.scope)."""
    rows = session.execute(
        select(Message.received_at, Message.priority, Message.channel, Message.disposition,
               cast(Message.categories, Text).label("categories"),
               Message.triage[("place", "beat")].as_string().label("triage_beat"),
               Message.triage[("place", "postcode")].as_string().label("triage_postcode"),
               Message.place["postcode"].as_string().label("postcode"),
               Message.place["lat"].as_float().label("lat"), Message.place["lon"].as_float().label("lon"),
               Message.text)
        .where(visible_messages(counted), Message.received_at >= now - DAY,
               Message.received_at < now, Message.direction == "in")
    ).all()
    hours = _hours(rows, now)
    channels = Counter(r.channel for r in rows)
    categories = _categories(rows)
    beats, not_placed = _beats(rows, beat_map, monitored_cases_by_beat(session, counted, now - DAY))
    return Demand(hours, channels.most_common(), categories.most_common(12), beats, not_placed,
                  _trends(session, counted, now, hours[-1].total, len(rows)),
                  shared_by_partner(session, counted, now - DAY))


def _hours(rows: Sequence[Any], now: datetime) -> list[HourCount]:
    """24 hour-long windows ending now; the last is the hour just gone."""
    buckets = [Counter[str]() for _ in range(24)]
    for row in rows:
        index = 23 - int((now - row.received_at) / HOUR)
        buckets[max(0, min(23, index))][row.priority or "P4"] += 1
    return [HourCount(now - HOUR * (24 - i), {p: b.get(p, 0) for p in PRIORITIES}) for i, b in enumerate(buckets)]


def _beats(rows: Sequence[Any], beat_map: BeatMap, monitored_cases: Counter[str]) -> tuple[list[BeatDemand], int]:
    """Contacts by beat; monitored needs are the messages the pipeline monitored plus the cases
    a handler set to monitor on a beat in the same 24 hours."""
    contacts: Counter[str] = Counter()
    monitored: Counter[str] = Counter(monitored_cases)
    for row in rows:
        code = _beat_of(row, beat_map) or NOT_PLACED
        contacts[code] += 1
        if row.disposition == "monitor":
            monitored[code] += 1
    found = [BeatDemand(b.code, b.name, contacts[b.code], monitored[b.code]) for b in beat_map.beats]
    return found, contacts[NOT_PLACED]


def _categories(rows: Sequence[Any]) -> Counter[str]:
    """Count categories; a shift has few distinct category lists, so decode each list once."""
    lists = Counter(r.categories for r in rows)
    counts: Counter[str] = Counter()
    for encoded, n in lists.items():
        for category in (json.loads(encoded) if encoded else None) or []:
            if category != "irrelevant":
                counts[category] += n
    return counts


def _beat_of(row, beat_map: BeatMap) -> str | None:  # type: ignore[no-untyped-def]
    point = (row.lon, row.lat) if row.lat is not None and row.lon is not None else None
    return beat_map.beat_of(triage_beat=row.triage_beat, postcode=row.triage_postcode or row.postcode,
                            text=row.text or "", point=point)


def _trends(session: Session, counted: Access, now: datetime, last_hour: int, last_day: int) -> list[Trend]:
    week_ago = now - WEEK
    return [
        Trend("Last hour", last_hour, count_inbound(session, counted, week_ago - HOUR, week_ago)),
        Trend("Last 24 hours", last_day, count_inbound(session, counted, week_ago - DAY, week_ago)),
    ]
