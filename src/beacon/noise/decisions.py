"""What the tracker tells its caller about each message, and what it shows the inbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class DecisionKind(StrEnum):
    NEW_ITEM = "new_item"  # an independent post: a new item
    SHARE = "share"  # a retweet, share, forward, or quote/reply that only repeats the post
    NEAR_COPY = "near_copy"  # the same text with small edits, from another account
    LATE_ORIGINAL = "late_original"  # the original arrived after shares of it had created the item
    DUPLICATE = "duplicate"  # this message id was already seen: nothing counted twice


class AlertReason(StrEnum):
    URGENT_REPORT = "urgent_report"  # a new independent report at alert priority
    ESCALATED_COPY = "escalated_copy"  # a copy more urgent than its item so far
    SURGE = "surge"  # an incident just started surging


@dataclass(frozen=True, slots=True)
class NoiseDecision:
    message_id: str
    kind: DecisionKind
    # True when this message starts a new item (an independent post, or the first sighting of a
    # post seen only through shares): the control room sees it as a new row.
    new_item: bool
    item_id: str
    item_shares: int
    item_copies: int
    item_reach: int
    item_priority: int | None
    incident_id: str
    incident_is_new: bool
    incident_messages: int
    incident_reports: int
    incident_reporters: int
    incident_priority: int | None
    attention: int | None
    surging: bool
    alert: bool
    alert_reason: AlertReason | None = None
    similarity: float | None = None
    # A new item that nearly copies another (an edited copy, one headline from another outlet):
    # that item's id. It is its own item, but repeats that post for routing and alerting.
    near_copy_of: str | None = None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    item_id: str
    shares: int
    copies: int
    priority: int | None


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    """One inbox row: a cluster with its counts, expandable into its timeline."""

    incident_id: str
    title: str
    first_report_id: str
    first_at: datetime
    last_at: datetime
    messages: int
    reports: int
    reporters: int
    places: tuple[str, ...]
    priority: int | None
    attention: int | None
    surging: bool
    timeline: tuple[TimelineEntry, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class OverrideEvent:
    """A supervisor's change, for the audit log: who, when, what, why; replayed by `rebuild`."""

    action: str  # "split" or "merge"
    actor: str
    at: datetime
    reason: str
    message_id: str | None
    from_incident: str
    to_incident: str
    # The last message the tracker had seen, so a rebuild replays the change at the same point.
    after_message_id: str | None
