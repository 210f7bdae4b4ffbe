"""Reply delivery status, and the rule that it only ever moves forward.

Providers send status callbacks at least once and in any order (a `read` can overtake its
`delivered`). `advance` is the maximum over one fixed order, so applying the same callbacks in
any order, any number of times, ends in the same status. `failed` ranks highest: it is terminal,
and when a provider says both "delivered" and "failed" a handler is better told it failed.
"""

from __future__ import annotations

from enum import StrEnum


class ReplyStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


_RANK = {
    ReplyStatus.QUEUED: 0,
    ReplyStatus.SENT: 1,
    ReplyStatus.DELIVERED: 2,
    ReplyStatus.READ: 3,
    ReplyStatus.FAILED: 4,
}


def advance(current: ReplyStatus, incoming: ReplyStatus) -> ReplyStatus:
    """The status after `incoming` arrives: never earlier than `current`."""
    return incoming if _RANK[incoming] > _RANK[current] else current


def is_final(status: ReplyStatus) -> bool:
    return status in (ReplyStatus.READ, ReplyStatus.FAILED)


# Provider vocabularies mapped onto ours. Anything not here is not a reply status we track.
_PROVIDER_WORDS = {
    "accepted": ReplyStatus.QUEUED,
    "scheduled": ReplyStatus.QUEUED,
    "queued": ReplyStatus.QUEUED,
    "sending": ReplyStatus.QUEUED,
    "sent": ReplyStatus.SENT,
    "delivered": ReplyStatus.DELIVERED,
    "read": ReplyStatus.READ,
    "failed": ReplyStatus.FAILED,
    "undelivered": ReplyStatus.FAILED,
    "canceled": ReplyStatus.FAILED,
    "deleted": ReplyStatus.FAILED,
}


def status_from_provider(word: str) -> ReplyStatus | None:
    """Map a provider's status word (Twilio, WhatsApp) to ours; None if it is not one we track."""
    return _PROVIDER_WORDS.get(word.strip().lower())
