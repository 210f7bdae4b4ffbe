"""Channel tables: what cannot be derived from stored messages and the outbox.

Signature failures leave no message behind (the body is never stored), so they are counted
here. Reply status callbacks are kept as they arrive so a callback that overtakes the record
of its own send (the provider answers faster than the dispatcher commits) is applied later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column

ANY_ACCOUNT = "*"  # an unverified body cannot be trusted to name its account


class ChannelHealth(Base):
    """Counters per channel account (`*` for the webhook route as a whole)."""

    __tablename__ = "channel_health"
    __table_args__ = (UniqueConstraint("channel", "account", name="uq_channel_health"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(256))
    signature_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_signature_failure_at: Mapped[datetime | None] = utc_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = utc_column(nullable=True)


class ReplyStatusEvent(Base):
    """One provider status callback about a reply Beacon sent, as received."""

    __tablename__ = "reply_status_events"
    __table_args__ = (
        Index("ix_reply_status_provider", "channel", "provider_message_id"),
        Index("ix_reply_status_thread", "channel", "thread_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_account: Mapped[str] = mapped_column(String(256))
    provider_message_id: Mapped[str | None] = mapped_column(String(256))
    thread_ref: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = utc_column()
    error_code: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = utc_column()
