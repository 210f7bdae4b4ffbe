"""Incidents: clusters of independent reports, as the noise tracker last described them; and the
noise log, the ordered record of what the trackers were fed, so every process can reach one state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
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


class NoiseLogEntry(Base):
    """One step of a force's noise tracker, in the order every tracker must take it.

    `observation`: the message was fed to the tracker (its priority and beat, which triage decided,
    are in `data`, so a replay feeds exactly what the writer fed). `override`: a supervisor's split or
    merge (the OverrideEvent's fields in `data`). `seq` counts up per force with no gaps; a process
    whose tracker has applied up to seq N replays the entries after N (see noise/log.py).
    """

    __tablename__ = "noise_log"

    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                     autoincrement=False)
    kind: Mapped[str] = mapped_column(String(12))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # Message time for observations (the window is by message time), override time for overrides:
    # pruning drops entries older than two windows.
    at: Mapped[datetime] = utc_column(index=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
