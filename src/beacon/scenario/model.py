"""What every storyline produces: a message paired with the truth about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from beacon.messages import InboundMessage


class Priority(StrEnum):
    P1 = "P1"  # threat to life, violence in progress
    P2 = "P2"  # urgent, no immediate threat
    P3 = "P3"  # needs police action, not urgent
    P4 = "P4"  # information, chatter, no police action


class Disposition(StrEnum):
    CLOSE = "close"  # answer or ignore; nothing to keep
    SHARE = "share"  # pass to someone else: Action Fraud, the council, the appeal's team, PSD
    MONITOR = "monitor"  # watch it: a trend, a storm, a rumour
    CASE = "case"  # open a case or attach to one


@dataclass(frozen=True)
class Truth:
    """What a perfect triage would decide about one message."""

    priority: Priority
    categories: tuple[str, ...]
    person: str
    disposition: Disposition
    storyline: str
    incident: str | None = None
    case: str | None = None


@dataclass
class Draft:
    message: InboundMessage
    truth: Truth

    def truth_record(self) -> dict[str, Any]:
        """The truth line written beside the message, keyed like the message itself."""
        return {
            "provider_message_id": self.message.provider_message_id,
            "channel_account": self.message.channel_account,
            "channel": self.message.channel.value,
            "created_at": self.message.created_at.isoformat().replace("+00:00", "Z"),
            "priority": self.truth.priority.value,
            "categories": list(self.truth.categories),
            "person": self.truth.person,
            "incident": self.truth.incident,
            "case": self.truth.case,
            "disposition": self.truth.disposition.value,
            "storyline": self.truth.storyline,
        }
