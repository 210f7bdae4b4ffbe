"""The outbox: side effects (replies, alerts, pages) written in the same transaction as the
change that caused them, and sent only after it committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from beacon.messages import utc_now
from beacon.store.tables import Base, utc_column


class OutboxEntry(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reply, alert, webhook, email, sms
    channel: Mapped[str] = mapped_column(String(40))  # which sender handles it
    target: Mapped[str] = mapped_column(String(512))  # recipient as the sender understands it
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Unique: writing the same side effect twice (a retried transaction) queues it once, and
    # senders pass it to providers so a resend after a crash is recognised where they can.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # pending -> sending -> sent (-> delivered -> read), or failed after the last attempt
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = utc_column(default=utc_now)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(256), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = utc_column(default=utc_now)
    sent_at: Mapped[datetime | None] = utc_column(nullable=True)
