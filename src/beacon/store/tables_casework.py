"""Case work across shifts: SLA clocks, alerts and their escalation, staff contacts, the rota,
handovers. State lives here keyed by case id, so the foundation's `cases` table is untouched."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class CaseClock(Base):
    """One SLA milestone of one case: when it is due, when it warns, and how it ended."""

    __tablename__ = "case_clocks"
    __table_args__ = (
        UniqueConstraint("case_id", "milestone"),
        Index("ix_case_clocks_running", "force_id", "met_at", "due_at"),
        Index("ix_case_clocks_breached", "force_id", "breached_at"),  # the control room (0010)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(20))  # acknowledge, first_reply
    priority: Mapped[str] = mapped_column(String(2))  # the priority the due time was set for
    started_at: Mapped[datetime] = utc_column()
    warn_at: Mapped[datetime] = utc_column()
    due_at: Mapped[datetime] = utc_column()
    warned_at: Mapped[datetime | None] = utc_column(nullable=True)
    breached_at: Mapped[datetime | None] = utc_column(nullable=True)
    met_at: Mapped[datetime | None] = utc_column(nullable=True)
    met_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Alert(Base):
    """Something urgent that needs a person: raised once per case and cause, escalated up the
    chain until someone acknowledges it."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("case_id", "cause"),
        Index("ix_alerts_open", "force_id", "acknowledged_at", "next_step_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    cause: Mapped[str] = mapped_column(String(40))  # p1, breach:acknowledge, breach:first_reply
    # Staff reply "ACK <code>" by SMS; unique among open alerts is enough, so short.
    code: Mapped[str] = mapped_column(String(8), index=True)
    raised_at: Mapped[datetime] = utc_column()
    level: Mapped[int] = mapped_column(Integer, default=0)  # index into the escalation chain
    rounds: Mapped[int] = mapped_column(Integer, default=0)  # repeats after the last level
    next_step_at: Mapped[datetime] = utc_column()
    escalated_at: Mapped[datetime | None] = utc_column(nullable=True)
    notified: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{level, user_id, at}]
    acknowledged_at: Mapped[datetime | None] = utc_column(nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_via: Mapped[str | None] = mapped_column(String(10))  # web, sms


class StaffContact(Base):
    """Where a member of staff is reached when they are on call."""

    __tablename__ = "staff_contacts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(256))


class RotaShift(Base):
    """One person on one shift, in one queue (or force-wide), in one role of the chain."""

    __tablename__ = "rota_shifts"
    __table_args__ = (Index("ix_rota_on", "force_id", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # None: force-wide
    role: Mapped[str] = mapped_column(String(20))  # handler, supervisor, inspector
    pattern: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = utc_column()
    ends_at: Mapped[datetime] = utc_column()


class Handover(Base):
    """A queue's handover pack at a shift's end: written by the outgoing person, acknowledged
    by the incoming one. The pack is a snapshot, so it shows what the outgoing person saw."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    drafted_at: Mapped[datetime] = utc_column()
    outgoing_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pack: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = utc_column(nullable=True)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = utc_column(nullable=True)
