"""What handlers decide at the desk about a whole case.

A case's disposition is a row per decision, never updated: the latest is the case's disposition,
the earlier ones show how it changed. The pipeline's own per-message decisions stay in
`routing_decisions` (tables_people.py), untouched by what a handler decides later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class CaseDisposition(Base):
    __tablename__ = "case_dispositions"
    __table_args__ = (
        # The control room counts the latest monitored and shared cases by force and time.
        Index("ix_case_dispositions_figures", "force_id", "outcome", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    outcome: Mapped[str] = mapped_column(String(12))  # close, share, monitor, case
    reason: Mapped[str] = mapped_column(String(500))
    partner: Mapped[str | None] = mapped_column(String(64))  # share: the policy's key for the partner
    recipient: Mapped[str | None] = mapped_column(String(200))  # share: the partner's name at the time
    beat: Mapped[str | None] = mapped_column(String(64))  # monitor: where the need is counted
    need: Mapped[str | None] = mapped_column(String(64))  # monitor: what it is counted as
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = utc_column()
