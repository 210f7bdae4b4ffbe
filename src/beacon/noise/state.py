"""The live state behind decisions: items (one per underlying post) and incidents (clusters).

Plain mutable classes with `__slots__`: a 24-hour window holds hundreds of thousands of them, so
they carry only what decisions and summaries need.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from datetime import datetime

import numpy as np

from beacon.noise.places import UNKNOWN_PLACE, PlaceSet
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
        "id", "author", "title", "place", "first_at", "last_at", "priority", "incident", "text_key", "shingles",
        "band_keys", "terms", "message_ids", "pending_ref", "accounts", "shares", "copies", "reach",
        "alive",
    )

    def __init__(self, item_id: str, at: datetime, text_key: int | None, shingles: bytes,
                 band_keys: array[int], terms: frozenset[str]) -> None:
        self.id = item_id
        self.author = ""
        self.title = ""
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
        self.accounts: set[str] = set()
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
        if key not in self.accounts:
            self.accounts.add(key)
            self.reach += max(1, audience or 1)


class Incident:
    """A cluster of independent reports (items) of what looks like one incident."""

    __slots__ = (
        "id", "title", "first_report_id", "first_at", "last_report_at", "last_at", "items",
        "messages", "reporters", "places", "term_counts", "priority", "recent_reports",
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
        self.places: Counter[str] = Counter()
        self.term_counts: Counter[str] = Counter()
        self.priority: int | None = None
        # (time, reporter) of recent independent reports, for surge detection.
        self.recent_reports: deque[tuple[datetime, str]] = deque()
        self.surging = False
        # Ids of incidents a supervisor merged into this one.
        self.aliases: list[str] = []
        self.where = PlaceSet()
        self.alive = True

    @property
    def report_count(self) -> int:
        return len(self.items)

    def attention(self, surge_floor: int) -> int | None:
        """Priority, raised to the surge floor while surging; never lowered."""
        if self.surging:
            return more_urgent(self.priority, surge_floor)
        return self.priority
