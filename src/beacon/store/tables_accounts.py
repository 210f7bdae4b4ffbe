"""Accounts (issue 14): server-side sign-in sessions, sign-in throttles, second factors.

A session's cookie carries only a random token; the row keeps its SHA-256, so a copy of the
database cannot be replayed as a cookie, and ending a row ends the session wherever the cookie is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.messages import utc_now
from beacon.store.tables import Base, utc_column


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = utc_column(default=utc_now)
    last_seen_at: Mapped[datetime] = utc_column(default=utc_now)
    revoked_at: Mapped[datetime | None] = utc_column(nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SignInThrottle(Base):
    """Failed sign-ins counted per key: `account:<name>` (whether or not the account exists, so
    a lockout says nothing about which names are real) and `address:<client address>`."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = utc_column(default=utc_now)
    locked_until: Mapped[datetime | None] = utc_column(nullable=True)


class StaffTotp(Base):
    """A user's second factor: the TOTP secret, the last time step used (no replays) and the
    SHA-256 of each unused recovery code."""

    __tablename__ = "staff_totp"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))  # sealed with a key outside the database (0016)
    created_at: Mapped[datetime] = utc_column(default=utc_now)
    confirmed_at: Mapped[datetime | None] = utc_column(nullable=True)
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recovery_hashes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # (0020) A new secret a user is replacing theirs with (sealed like `secret`): the old one
    # keeps working until a code from the new one confirms it.
    replacement_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    replacement_started_at: Mapped[datetime | None] = utc_column(nullable=True)


class StaffOidcLink(Base):
    """A Beacon account's identity at a force's OpenID Connect provider: the provider's subject
    (`sub`), which the provider never reassigns, unlike an email address. Made at the first
    OIDC sign-in (found by the account's email) and used alone after that."""

    __tablename__ = "staff_oidc_links"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("user_id", "issuer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = utc_column(default=utc_now)
    last_used_at: Mapped[datetime | None] = utc_column(nullable=True)
