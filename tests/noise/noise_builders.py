"""Synthetic observations with a UK policing flavour (no real posts): an appeal, a fire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from beacon.noise import Observation

T0 = datetime(2025, 3, 1, 21, 0, tzinfo=UTC)

APPEAL = (
    "MISSING: Have you seen Jamie, 14? Last seen on Brook Street, Guildford GU1 4AA at 6pm "
    "wearing a red hoodie. Call 101 quoting ref 45/2231 #FindJamie"
)
FIRE = "Huge fire at the old cinema on Cheltenham High Street, thick smoke and flames everywhere"


def obs(message_id: str, text: str = "", minutes: float = 0, **fields: Any) -> Observation:
    fields.setdefault("author_id", f"user-{message_id}")
    return Observation(message_id=message_id, created_at=T0 + timedelta(minutes=minutes),
                       text=text, **fields)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
