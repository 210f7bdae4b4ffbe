"""Distributed mode's bookkeeping: how often the pipeline has failed on a message.

Kept in the database, not in Redis, so the count survives a Redis that lost its streams, and is
written in the same transaction that rolls the failed attempt back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from beacon.messages import utc_now
from beacon.store.tables import Base, utc_column


class PipelineAttempt(Base):
    __tablename__ = "pipeline_attempts"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = utc_column(default=utc_now)
