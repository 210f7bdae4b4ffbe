"""People and routing: strong identity keys, merges, candidate matches, markers, contact flags,
references quoted by citizens, and each message's routing decision.

Identities and persons themselves live in `tables.py`; these tables add what links them and
what follows a person across channels. Nothing here is ever deleted by the application: a merge
is undone by a new row state, a marker is removed by stamping `removed_at`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class IdentityKey(Base):
    """A strong identifier of an identity (E.164 phone, email address): equal keys, one person."""

    __tablename__ = "identity_keys"
    __table_args__ = (
        UniqueConstraint("identity_id", "kind", "value"),
        Index("ix_identity_keys_lookup", "force_id", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    kind: Mapped[str] = mapped_column(String(12))  # phone, email, force (its own accounts)
    value: Mapped[str] = mapped_column(String(256))


class PersonMerge(Base):
    """One merge of `absorbed` into `survivor`, listing what moved so it can be undone exactly."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), index=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    identity_ids: Mapped[list[Any]] = mapped_column(JSON)
    case_ids: Mapped[list[Any]] = mapped_column(JSON)
    marker_ids: Mapped[list[Any]] = mapped_column(JSON)
    basis: Mapped[str] = mapped_column(String(64))  # consent or a configured lawful reason
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utc_column()
    undone_at: Mapped[datetime | None] = utc_column(nullable=True)
    undone_by_name: Mapped[str | None] = mapped_column(String(200))
    undo_reason: Mapped[str | None] = mapped_column(Text)


class PersonCandidate(Base):
    """Two persons that may be one, with the evidence, for a person to confirm or reject."""

    __tablename__ = "person_candidates"
    __table_args__ = (UniqueConstraint("force_id", "person_id", "other_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)  # the lower id
    other_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    evidence: Mapped[list[Any]] = mapped_column(JSON)  # [{kind, detail, message_id}]
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, confirmed, rejected
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = utc_column(nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("person_merges.id"))
    created_at: Mapped[datetime] = utc_column()


class PersonMarker(Base):
    """A fact that follows a person across channels: vulnerability, risk, language, channel."""

    __tablename__ = "person_markers"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utc_column()
    removed_at: Mapped[datetime | None] = utc_column(nullable=True)
    removed_by_name: Mapped[str | None] = mapped_column(String(200))


class ContactFlag(Base):
    """A repeat-contact flag raised when a new message took a person over a threshold."""

    __tablename__ = "contact_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = utc_column()


class QuotedReference(Base):
    """A reference a citizen quoted (a crime number), and the case it ended up in, if any.

    A later message quoting it joins that case while it is open; another person quoting it is
    evidence (a candidate match) that the two may be one.
    """

    __tablename__ = "quoted_references"
    __table_args__ = (
        UniqueConstraint("message_id", "reference"),
        Index("ix_quoted_references_lookup", "force_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    reference: Mapped[str] = mapped_column(String(64))  # upper case, '-' as separator
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)


class RoutingDecision(Base):
    """The disposition of one message: which policy rule, to whom it was shared, what it counts as."""

    __tablename__ = "routing_decisions"
    __table_args__ = (Index("ix_routing_decisions_needs", "force_id", "outcome", "decided_at"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    outcome: Mapped[str] = mapped_column(String(12))
    rule: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str | None] = mapped_column(String(200))  # share: the partner or force
    beat: Mapped[str | None] = mapped_column(String(64))
    need: Mapped[str | None] = mapped_column(String(64))  # monitor: what it is counted as
    reason: Mapped[str] = mapped_column(String(500))
    decided_at: Mapped[datetime] = utc_column()
