"""Incidents: clusters of independent reports, as the noise tracker last described them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("force_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    key: Mapped[str] = mapped_column(String(300))  # the tracker's incident id
    title: Mapped[str] = mapped_column(String(300))
    first_message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    first_at: Mapped[datetime] = utc_column()
    last_at: Mapped[datetime] = utc_column()
    messages: Mapped[int] = mapped_column(Integer, default=1)  # every message, shares included
    reports: Mapped[int] = mapped_column(Integer, default=1)  # independent items
    reporters: Mapped[int] = mapped_column(Integer, default=1)  # distinct authors
    priority: Mapped[str | None] = mapped_column(String(2))  # most urgent member
    attention: Mapped[str | None] = mapped_column(String(2))  # raised by a surge, never lowered
    surging: Mapped[bool] = mapped_column(default=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
