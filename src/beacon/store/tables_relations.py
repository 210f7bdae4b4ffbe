"""Cases that relate (issue 16): links between cases, a case's parent, and merges of cases.

Nothing here is deleted or reopened by the application: a relation is ended by stamping
`ended_at` (linking the same two cases again writes a new row), a merge is undone by stamping
`undone_at`. Who, when and why is on each row and, for every change, on the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class CaseRelation(Base):
    """One relation of two cases while it lasts. `link` is symmetric and stored once, the lower
    case id in `case_id`; `parent` reads "case_id's parent is other_id" (a child has one)."""

    __tablename__ = "case_relations"
    __table_args__ = (
        Index("ix_case_relations_case", "case_id", "ended_at"),
        Index("ix_case_relations_other", "other_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    kind: Mapped[str] = mapped_column(String(12))  # link, parent
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    other_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utc_column()
    ended_at: Mapped[datetime | None] = utc_column(nullable=True)
    ended_by_name: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)


class CaseMerge(Base):
    """One merge of `merged_id` into `survivor_id`, listing exactly what moved and what the two
    cases were before, so that unmerging puts it back."""

    __tablename__ = "case_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    survivor_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    message_ids: Mapped[list[Any]] = mapped_column(JSON)
    entry_ids: Mapped[list[Any]] = mapped_column(JSON)  # timeline entries: messages, notes, history
    quoted_ids: Mapped[list[Any]] = mapped_column(JSON)  # quoted references now leading to the survivor
    incident_ids: Mapped[list[Any]] = mapped_column(JSON)  # incidents whose new reports join the survivor
    relations_ended: Mapped[list[Any]] = mapped_column(JSON)  # the merged case's links and children
    relations_made: Mapped[list[Any]] = mapped_column(JSON)  # the same, made again on the survivor
    merged_status: Mapped[str] = mapped_column(String(20))  # the merged case's status before
    merged_closed_at: Mapped[datetime | None] = utc_column(nullable=True)
    survivor_priority: Mapped[str] = mapped_column(String(2))  # before a more urgent message came over
    survivor_vulnerable: Mapped[bool] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utc_column()
    undone_at: Mapped[datetime | None] = utc_column(nullable=True)
    undone_by_name: Mapped[str | None] = mapped_column(String(200))
    undo_reason: Mapped[str | None] = mapped_column(Text)
