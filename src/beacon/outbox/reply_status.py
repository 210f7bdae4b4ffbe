"""Provider status callbacks applied to outbox replies, forward only, in any order.

Every callback is kept as a `ReplyStatusEvent`, then folded into the replies it names with
`status.advance`. Folding is a maximum, so the outcome does not depend on the order callbacks
arrive in, nor on how often. A callback can overtake the dispatcher's record of the send (the
provider answers before we commit its id): `apply_recorded` folds the kept events in when the
send is recorded.

A callback names a reply by the provider's id for it; read and delivery watermarks (Messenger,
X) name a thread and a time instead, meaning every reply in that thread sent up to then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.intake.results import DeliveryStatus
from beacon.intake.status import ReplyStatus, advance
from beacon.store.tables_channels import ReplyStatusEvent
from beacon.store.tables_outbox import OutboxEntry

# The outbox's own words for where a reply stands; pending/sending are "queued" to a provider.
_FROM_OUTBOX = {
    "pending": ReplyStatus.QUEUED, "sending": ReplyStatus.QUEUED, "sent": ReplyStatus.SENT,
    "delivered": ReplyStatus.DELIVERED, "read": ReplyStatus.READ, "failed": ReplyStatus.FAILED,
}
_WATERMARKS = (ReplyStatus.DELIVERED, ReplyStatus.READ)


def reply_status(entry: OutboxEntry) -> ReplyStatus:
    return _FROM_OUTBOX.get(entry.status, ReplyStatus.QUEUED)


def record_statuses(session: Session, statuses: Sequence[DeliveryStatus], now: datetime) -> int:
    """Keep each callback and move the replies it names forward; returns how many were kept."""
    for status in statuses:
        event = ReplyStatusEvent(
            channel=status.channel.value, channel_account=status.channel_account,
            provider_message_id=status.provider_message_id, thread_ref=status.thread_ref,
            status=status.status.value, at=status.at,
            error_code=(status.error_code or None) and str(status.error_code)[:64],
            received_at=now,
        )
        session.add(event)
        for entry in _replies_named(session, event):
            _fold(entry, [event])
    session.flush()
    return len(statuses)


def apply_recorded(session: Session, entry: OutboxEntry) -> None:
    """Fold in callbacks that arrived before the send was recorded (called once it is)."""
    if entry.provider_ref is None:
        return
    events = session.scalars(
        select(ReplyStatusEvent).where(
            ReplyStatusEvent.channel == entry.channel,
            or_(
                ReplyStatusEvent.provider_message_id == entry.provider_ref,
                ReplyStatusEvent.thread_ref == _thread_of(entry),
            ),
        )
    )
    _fold(entry, [e for e in events if _names(e, entry)])


def _replies_named(session: Session, event: ReplyStatusEvent) -> list[OutboxEntry]:
    named: list[OutboxEntry] = []
    if event.provider_message_id:
        named.extend(
            session.scalars(
                select(OutboxEntry).where(
                    OutboxEntry.kind == "reply", OutboxEntry.channel == event.channel,
                    OutboxEntry.provider_ref == event.provider_message_id,
                )
            )
        )
    if event.thread_ref and ReplyStatus(event.status) in _WATERMARKS:
        candidates = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.kind == "reply", OutboxEntry.channel == event.channel,
                OutboxEntry.status.in_(("sent", "delivered")), OutboxEntry.sent_at <= event.at,
            )
        )
        named.extend(e for e in candidates if _thread_of(e) == event.thread_ref and e not in named)
    return named


def _names(event: ReplyStatusEvent, entry: OutboxEntry) -> bool:
    if event.provider_message_id and event.provider_message_id == entry.provider_ref:
        return True
    return (
        bool(event.thread_ref) and event.thread_ref == _thread_of(entry)
        and ReplyStatus(event.status) in _WATERMARKS
        and entry.sent_at is not None and entry.sent_at <= event.at
    )


def _fold(entry: OutboxEntry, events: Iterable[ReplyStatusEvent]) -> None:
    current = reply_status(entry)
    if current is ReplyStatus.QUEUED:
        return  # not sent yet as far as we know: `apply_recorded` folds these in later
    for event in events:
        current = advance(current, ReplyStatus(event.status))
        if event.status == ReplyStatus.FAILED.value:
            entry.last_error = f"provider reported failure {event.error_code or ''}".strip()
    entry.status = current.value


def _thread_of(entry: OutboxEntry) -> str | None:
    target = entry.payload.get("target") if isinstance(entry.payload, dict) else None
    thread = target.get("thread_ref") if isinstance(target, dict) else None
    return str(thread) if thread else None
