"""What noise handling needs to know about one message, independent of the store.

`Observation` is deliberately small and plain so the pipeline, the batch command and the benchmarks
can all build one; `from_inbound` converts the normalised `InboundMessage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from beacon.messages import InboundMessage


class ObservationError(ValueError):
    """An observation cannot be used as given (missing id, naive time, bad priority)."""


@dataclass(frozen=True, slots=True)
class Observation:
    message_id: str
    created_at: datetime
    text: str = ""
    channel: str = "api"
    author_id: str = ""
    # Provider id of the post this retweets, shares or forwards.
    shared_of: str | None = None
    # Provider id of the post this quotes (a share with the sharer's own words).
    quote_of: str | None = None
    # Provider id of the post this replies to.
    reply_to: str | None = None
    # The channel says it was forwarded (WhatsApp "forwarded"), original unknown.
    forwarded: bool = False
    postcode: str | None = None
    beat: str | None = None
    lat: float | None = None
    lon: float | None = None
    # 1 (P1, most urgent) .. 4 (P4); None when triage has not set one.
    priority: int | None = None
    # The author's audience (followers), when the channel says; counts towards reach.
    audience: int | None = None

    def __post_init__(self) -> None:
        if not self.message_id:
            raise ObservationError("observation needs a message_id")
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ObservationError(f"created_at of {self.message_id} must be timezone-aware")
        if self.priority is not None and not 1 <= self.priority <= 4:
            raise ObservationError(f"priority of {self.message_id} must be 1..4, not {self.priority}")

    @property
    def references(self) -> tuple[str, ...]:
        """Every provider id this message points at, most telling first."""
        refs = (self.shared_of, self.quote_of, self.reply_to)
        return tuple(ref for ref in refs if ref)


def from_inbound(
    message: InboundMessage,
    *,
    priority: int | None = None,
    beat: str | None = None,
    quote_of: str | None = None,
) -> Observation:
    """Build the observation for a normalised inbound message.

    The message id is the provider id, because shares point at provider ids. Forwarded WhatsApp
    messages are recognised from the raw payload's `context.forwarded` flag.
    """
    place = message.place
    return Observation(
        message_id=message.provider_message_id,
        created_at=message.created_at,
        text=message.text,
        channel=str(message.channel),
        author_id=message.author.id,
        shared_of=message.shared_of,
        quote_of=quote_of,
        reply_to=message.reply_to,
        forwarded=_is_forwarded(message.raw),
        postcode=place.postcode if place else None,
        beat=beat,
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        priority=priority,
    )


def _is_forwarded(raw: object) -> bool:
    if not isinstance(raw, dict):
        return False
    context = raw.get("context")
    if isinstance(context, dict):
        return bool(context.get("forwarded") or context.get("frequently_forwarded"))
    return bool(raw.get("forwarded"))
