"""What parsing one provider delivery yields.

A delivery can carry several things at once (Meta batches entries; one WhatsApp change holds
messages and statuses). `ParseResult` keeps them apart so the caller stores citizen messages,
applies reply statuses, files automated mail away from triage, and dead-letters what failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from beacon.intake.status import ReplyStatus
from beacon.messages import Channel, InboundMessage


@dataclass(frozen=True)
class DeliveryStatus:
    """A provider's word on a reply Beacon sent.

    `provider_message_id` is the id the provider gave our reply. Read watermarks (Messenger,
    X "mark read") name no message: they mean every reply in `thread_ref` sent up to `at`.
    """

    channel: Channel
    channel_account: str
    status: ReplyStatus
    at: datetime
    provider_message_id: str | None = None
    thread_ref: str | None = None
    error_code: str | None = None
    error_detail: str | None = None
    raw: Any = None


@dataclass(frozen=True)
class AutomatedMessage:
    """Mail a machine sent (out-of-office, bounce): kept for the record, never triaged."""

    kind: str  # "auto_reply" or "bounce"
    message: InboundMessage
    reason: str  # which header or structure gave it away


@dataclass(frozen=True)
class Rejection:
    """One item inside an otherwise readable delivery that could not be turned into a message."""

    code: str
    reason: str
    path: str | None
    raw: Any = None


@dataclass
class ParseResult:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatus] = field(default_factory=list)
    automated: list[AutomatedMessage] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # event kinds knowingly not taken in
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every item was understood; otherwise dead-letter the raw delivery too."""
        return not self.rejected

    def merge(self, other: ParseResult) -> None:
        self.messages.extend(other.messages)
        self.statuses.extend(other.statuses)
        self.automated.extend(other.automated)
        self.ignored.extend(other.ignored)
        self.rejected.extend(other.rejected)
