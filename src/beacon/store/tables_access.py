"""Credentials for integrations: API tokens, each scoped to one force (0014).

Only a SHA-256 of the secret is kept: the token is random (256 bits), so a slow hash adds
nothing, and a database dump does not hand out working tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # the integration, e.g. "Twilio bridge"
    # The token's public part (bkn_<key_id>_<secret>): finds the row without scanning hashes.
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    permissions: Mapped[list[Any]] = mapped_column(default=list)  # intake, metrics
    # ["sms:+447700900000", …]; empty: any of the force's accounts (and unmapped ones, for the
    # default force, as intake routes those to it).
    channel_accounts: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = utc_column()
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = utc_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200))
