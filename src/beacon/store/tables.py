"""Beacon's tables. Every record belongs to a force; cases also belong to a team.

The database enforces what must never happen twice (a provider message stored twice, two
identities for one handle) with unique constraints rather than application checks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from beacon.messages import utc_now


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware datetime (SQLite would return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def utc_column(**kwargs: Any) -> Mapped[datetime]:
    return mapped_column(UtcDateTime(), **kwargs)


class Force(Base):
    """A police force. Its case prefix is its own (0014): references are read out on the radio
    and quoted back by citizens, so one must never name two forces' cases."""

    __tablename__ = "forces"
    __table_args__ = (UniqueConstraint("case_prefix", name="uq_forces_case_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    case_prefix: Mapped[str] = mapped_column(String(8))
    # (0020) True: the control room's counts, its CSV and the shift report leave restricted
    # teams' cases out for whoever may not see them (beacon.insight.scope).
    hide_restricted_in_figures: Mapped[bool] = mapped_column(default=False, server_default=false())


class Team(Base):
    """A queue of cases. A restricted team (0017) is a boundary: its cases are seen only by its
    members and the force's supervisors and admins (beacon.cases.access)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("force_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    name: Mapped[str] = mapped_column(String(100))
    restricted: Mapped[bool] = mapped_column(default=False, server_default=false())


class TeamMember(Base):
    """A user in a team besides their home team (`users.team_id`, which counts as membership)."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = utc_column(default=utc_now)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # handler, supervisor, admin
    password_hash: Mapped[str] = mapped_column(String(200))
    # Work address, lower case: how an OIDC sign-in finds the account the first time (0016).
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = utc_column(default=utc_now)


class ChannelAccount(Base):
    """The force's own account on a channel; tells intake which force a delivery is for."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    channel: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(256))


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = utc_column(default=utc_now)


class Identity(Base):
    """One person's identity on one channel: a handle, page-scoped id, phone or address."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("force_id", "channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(256))
    handle: Mapped[str | None] = mapped_column(String(256))
    display_name: Mapped[str | None] = mapped_column(String(256))


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "channel_account", "provider_message_id", name="uq_message_provider"),
        Index("ix_messages_force_received", "force_id", "received_at"),
        Index("ix_messages_shared_of", "force_id", "channel", "shared_of"),
        Index("ix_messages_force_case", "force_id", "case_id"),  # the inbox's message counts (0010)
        # A person's messages by time: the repeat-contact count on every message (0013). With
        # person_id alone SQLite, which keeps no statistics, could read the whole force instead.
        Index("ix_messages_person_created", "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    direction: Mapped[str] = mapped_column(String(3), default="in")  # in, out
    channel: Mapped[str] = mapped_column(String(20))
    channel_account: Mapped[str] = mapped_column(String(256))
    provider_message_id: Mapped[str] = mapped_column(String(256))
    author_id: Mapped[str] = mapped_column(String(256))
    author_handle: Mapped[str | None] = mapped_column(String(256))
    author_name: Mapped[str | None] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    media: Mapped[list[Any]] = mapped_column(default=list)
    reply_to: Mapped[str | None] = mapped_column(String(256))
    thread_ref: Mapped[str | None] = mapped_column(String(512))
    shared_of: Mapped[str | None] = mapped_column(String(256))
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = utc_column()
    received_at: Mapped[datetime] = utc_column()
    # received -> processed, or failed (then a dead letter holds the error)
    state: Mapped[str] = mapped_column(String(12), default="received", index=True)
    priority: Mapped[str | None] = mapped_column(String(2))
    urgency: Mapped[float | None] = mapped_column(Float)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    triage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    item_key: Mapped[str | None] = mapped_column(String(300), index=True)  # noise tracker's item
    share_count: Mapped[int] = mapped_column(Integer, default=0)  # shares and near-copies
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", use_alter=True, name="fk_messages_incident_id"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))  # ix_messages_person_created
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    disposition: Mapped[str | None] = mapped_column(String(12))
    disposition_reason: Mapped[str | None] = mapped_column(String(500))


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_force_status", "force_id", "status", "priority", "created_at"),
        # Counted per force per day, so unique per force only (0014); it also finds a case by reference.
        UniqueConstraint("force_id", "reference", name="uq_cases_force_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    reference: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(2))
    category: Mapped[str | None] = mapped_column(String(64))
    vulnerable: Mapped[bool] = mapped_column(default=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = utc_column(default=utc_now)
    # When the citizen first wrote: the inbox ages a case from here, not from when it was opened.
    first_contact_at: Mapped[datetime] = utc_column(default=utc_now)
    updated_at: Mapped[datetime] = utc_column(default=utc_now)
    closed_at: Mapped[datetime | None] = utc_column(nullable=True)

    entries: Mapped[list[CaseEntry]] = relationship(
        back_populates="case", order_by="CaseEntry.id", lazy="raise"
    )


class CaseEntry(Base):
    """One line of a case's timeline: a message in or out, a note, a status change."""

    __tablename__ = "case_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # message_in, message_out, note, status, attach
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = utc_column(default=utc_now)

    case: Mapped[Case] = relationship(back_populates="entries")


class CaseCounter(Base):
    """Per-force, per-day sequence so case numbers are short enough to read out on the radio."""

    __tablename__ = "case_counters"

    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class DeadLetter(Base):
    """What could not be accepted or processed, kept with its raw bytes and the reason.

    One row per bad body and source (0018): another copy of the same bytes counts in `copies`
    and `last_seen_at` instead of adding a row. Pipeline failures carry no digest (each is a
    stored message's own failure).
    """

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ux_dead_letters_source_body", "source", "body_sha256", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))  # api, replay, webhook:meta, pipeline
    reason: Mapped[str] = mapped_column(Text)
    raw_body: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    received_at: Mapped[datetime] = utc_column(default=utc_now)
    resolved_at: Mapped[datetime | None] = utc_column(nullable=True)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    copies: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_seen_at: Mapped[datetime | None] = utc_column(nullable=True)
