"""The live state behind decisions: items (one per underlying post) and incidents (clusters).

Plain mutable classes with `__slots__`: a 24-hour window holds hundreds of thousands of them, so
they carry only what decisions and summaries need.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
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


# Accounts of a shared item are held as 64-bit string hashes in a sorted array (8 bytes each
# instead of a string and a set slot); past this many, in a set, so a viral post stays O(1).
_ACCOUNTS_IN_ARRAY = 4096


class Item:
    """One underlying post: the original (or first sighting) plus its shares and near-copies.

    Kept small because a window holds hundreds of thousands: one message id is held as the string
    itself and only several as a list, accounts as hashes, and the near-copy index entry as a slot
    number (its band keys live in the index's arrays).
    """

    __slots__ = (
        "id", "author", "place", "first_at", "last_at", "priority", "incident", "text_key",
        "shingles", "truncated", "prefix_key", "near_slot", "terms", "message_ids", "pending_ref", "accounts", "shares",
        "copies", "reach", "alive",
    )

    def __init__(self, item_id: str, at: datetime, text_key: int | None, shingles: bytes,
                 terms: tuple[str, ...]) -> None:
        self.id = item_id
        self.author = ""
        self.place = UNKNOWN_PLACE
        self.first_at = self.last_at = at
        self.priority: int | None = None
        self.incident: Incident | None = None
        self.text_key = text_key
        self.shingles = shingles
        # Cut short ("…"): its shingles are of its sure words; found by its first words' hash.
        self.truncated = False
        self.prefix_key: int | None = None
        # Slot in the near-copy index, or -1 when not indexed (too short to be copied).
        self.near_slot = -1
        self.terms = terms
        # The item's message ids: None, one id, or a list of several (most items have one).
        self.message_ids: str | list[str] | None = None
        # The provider id of an original not yet seen, which shares of it pointed at.
        self.pending_ref: str | None = None
        # Accounts that posted or shared it: one account held as a string; more as hashes.
        self.accounts: str | array[int] | set[int] | None = None
        self.shares = 0
        self.copies = 0
        self.reach = 0
        self.alive = True

    @property
    def shingle_array(self) -> Shingles:
        return np.frombuffer(self.shingles, dtype=np.uint32)

    def add_message(self, message_id: str) -> None:
        held = self.message_ids
        if held is None:
            self.message_ids = message_id
        elif isinstance(held, str):
            self.message_ids = [held, message_id]
        else:
            held.append(message_id)

    @property
    def message_count(self) -> int:
        held = self.message_ids
        if held is None:
            return 0
        return 1 if isinstance(held, str) else len(held)

    def messages(self) -> list[str]:
        held = self.message_ids
        if held is None:
            return []
        return [held] if isinstance(held, str) else list(held)

    def add_account(self, account: str, audience: int | None) -> None:
        """Reach counts each account once, weighted by its audience when the channel gives one."""
        key = account or f"anon:{self.message_count}"
        held = self.accounts
        if held is None:
            self.accounts = key
        elif isinstance(held, str):
            if key == held:
                return
            first, second = hash(held), hash(key)
            self.accounts = array("q", sorted((first, second)))
        else:
            digest = hash(key)
            if isinstance(held, set):
                if digest in held:
                    return
                held.add(digest)
            else:
                at = bisect_left(held, digest)
                if at < len(held) and held[at] == digest:
                    return
                if len(held) < _ACCOUNTS_IN_ARRAY:
                    held.insert(at, digest)
                else:
                    self.accounts = {*held, digest}
        self.reach += max(1, audience or 1)


class Incident:
    """A cluster of independent reports (items) of what looks like one incident.

    Most incidents hold one report, so their per-word counts and reporters are implied by that
    report (held only from the second one on), and a surging incident stops keeping recent reports.
    """

    __slots__ = (
        "id", "title", "first_report_id", "first_at", "last_report_at", "last_at", "items",
        "messages", "_reporters", "_term_counts", "priority", "recent_reports",
        "surging", "aliases", "where", "alive",
    )

    def __init__(self, incident_id: str, title: str, first_report_id: str, at: datetime) -> None:
        self.id = incident_id
        self.title = title
        self.first_report_id = first_report_id
        self.first_at = self.last_report_at = self.last_at = at
        self.items: list[Item] = []
        self.messages = 0
        # Distinct reporters: None, one reporter as the string, or a set of several.
        self._reporters: str | set[str] | None = None
        # Reports per word over the incident's items; None while it holds at most one item (the
        # counts are then that item's terms, each once).
        self._term_counts: dict[str, int] | None = None
        self.priority: int | None = None
        # (time, reporter) of recent independent reports, for surge detection.
        self.recent_reports: list[tuple[datetime, str]] = []
        self.surging = False
        # Ids of incidents a supervisor merged into this one.
        self.aliases: tuple[str, ...] = ()
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

    # ---- reporters ---------------------------------------------------------------------------

    @property
    def reporters(self) -> frozenset[str]:
        held = self._reporters
        if held is None:
            return frozenset()
        return frozenset((held,)) if isinstance(held, str) else frozenset(held)

    @property
    def reporter_count(self) -> int:
        held = self._reporters
        if held is None:
            return 0
        return 1 if isinstance(held, str) else len(held)

    def add_reporter(self, who: str) -> None:
        held = self._reporters
        if held is None:
            self._reporters = who
        elif isinstance(held, str):
            if who != held:
                self._reporters = {held, who}
        else:
            held.add(who)

    def set_reporters(self, reporters: set[str] | frozenset[str]) -> None:
        self._reporters = None
        for who in reporters:
            self.add_reporter(who)

    # ---- words -------------------------------------------------------------------------------

    @property
    def term_counts(self) -> dict[str, int]:
        """Reports per word (a fresh dict while the incident holds one report)."""
        if self._term_counts is not None:
            return self._term_counts
        return dict.fromkeys(self.items[0].terms, 1) if self.items else {}

    def add_terms(self, terms: tuple[str, ...]) -> None:
        """Count a report's words; called after the report's item joined `items`."""
        counts = self._term_counts
        if counts is None:
            if len(self.items) <= 1:
                return  # implied by the one item
            counts = self._term_counts = dict.fromkeys(self.items[0].terms, 1)
        for term in terms:
            counts[term] = counts.get(term, 0) + 1

    def remove_terms(self, terms: tuple[str, ...]) -> None:
        """Uncount a report's words; called after the report's item left `items`."""
        counts = self._term_counts
        if counts is None:
            return
        if len(self.items) <= 1:
            self._term_counts = None  # back to implied by the one item left
            return
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
