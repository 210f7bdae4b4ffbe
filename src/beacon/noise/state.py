"""The live state behind decisions: items (one per underlying post) and incidents (clusters).

Plain mutable classes with `__slots__`: a 24-hour window holds hundreds of thousands of them, so
they carry only what decisions and summaries need.
"""

from __future__ import annotations

from array import array
from datetime import datetime

import numpy as np

from beacon.noise.places import UNKNOWN_PLACE, PlaceSet, ReportPlace
from beacon.noise.signatures import Shingles


def more_urgent(left: int | None, right: int | None) -> int | None:
    """The more urgent of two priorities (1 is most urgent); unknown never wins over known."""
    if left is None:
        return right
    if right is None:
        return left
    return min(left, right)


class Item:
    """One underlying post: the original (or first sighting) plus its shares and near-copies."""

    __slots__ = (
        "id", "author", "place", "first_at", "last_at", "priority", "incident", "text_key",
        "shingles", "band_keys", "terms", "message_ids", "pending_ref", "accounts", "shares",
        "copies", "reach", "alive",
    )

    def __init__(self, item_id: str, at: datetime, text_key: int | None, shingles: bytes,
                 band_keys: array[int], terms: tuple[str, ...]) -> None:
        self.id = item_id
        self.author = ""
        self.place = UNKNOWN_PLACE
        self.first_at = self.last_at = at
        self.priority: int | None = None
        self.incident: Incident | None = None
        self.text_key = text_key
        self.shingles = shingles
        self.band_keys = band_keys
        self.terms = terms
        self.message_ids: list[str] = []
        # The provider id of an original not yet seen, which shares of it pointed at.
        self.pending_ref: str | None = None
        # Accounts that posted or shared it: one account held as a string, a set only when shared
        # (most items are never shared, and an empty set costs 200 bytes).
        self.accounts: set[str] | str | None = None
        self.shares = 0
        self.copies = 0
        self.reach = 0
        self.alive = True

    @property
    def shingle_array(self) -> Shingles:
        return np.frombuffer(self.shingles, dtype=np.uint32)

    def add_account(self, account: str, audience: int | None) -> None:
        """Reach counts each account once, weighted by its audience when the channel gives one."""
        key = account or f"anon:{len(self.message_ids)}"
        if self.accounts is None:
            self.accounts = key
        elif isinstance(self.accounts, str):
            if key == self.accounts:
                return
            self.accounts = {self.accounts, key}
        elif key in self.accounts:
            return
        else:
            self.accounts.add(key)
        self.reach += max(1, audience or 1)


class Incident:
    """A cluster of independent reports (items) of what looks like one incident."""

    __slots__ = (
        "id", "title", "first_report_id", "first_at", "last_report_at", "last_at", "items",
        "messages", "reporters", "term_counts", "priority", "recent_reports",
        "surging", "aliases", "where", "alive",
    )

    def __init__(self, incident_id: str, title: str, first_report_id: str, at: datetime) -> None:
        self.id = incident_id
        self.title = title
        self.first_report_id = first_report_id
        self.first_at = self.last_report_at = self.last_at = at
        self.items: list[Item] = []
        self.messages = 0
        self.reporters: set[str] = set()
        self.term_counts: dict[str, int] = {}
        self.priority: int | None = None
        # (time, reporter) of recent independent reports, for surge detection.
        self.recent_reports: list[tuple[datetime, str]] = []
        self.surging = False
        # Ids of incidents a supervisor merged into this one.
        self.aliases: list[str] = []
        self.where: PlaceSet | None = None  # made on the first known place
        self.alive = True

    @property
    def places(self) -> tuple[str, ...]:
        if self.where is None:
            return ()
        return tuple(sorted(self.where.districts | self.where.beats))

    def add_place(self, place: ReportPlace) -> None:
        if place.known:
            if self.where is None:
                self.where = PlaceSet()
            self.where.add(place)

    def place_compatible(self, place: ReportPlace, radius_km: float) -> bool:
        return self.where is None or self.where.compatible(place, radius_km)

    def add_terms(self, terms: tuple[str, ...]) -> None:
        counts = self.term_counts
        for term in terms:
            counts[term] = counts.get(term, 0) + 1

    def remove_terms(self, terms: tuple[str, ...]) -> None:
        counts = self.term_counts
        for term in terms:
            left = counts.get(term, 0) - 1
            if left > 0:
                counts[term] = left
            else:
                counts.pop(term, None)

    @property
    def report_count(self) -> int:
        return len(self.items)

    def attention(self, surge_floor: int) -> int | None:
        """Priority, raised to the surge floor while surging; never lowered."""
        if self.surging:
            return more_urgent(self.priority, surge_floor)
        return self.priority
