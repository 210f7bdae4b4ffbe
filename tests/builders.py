"""Builders for valid objects, so each test states only what matters to it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from beacon.messages import InboundMessage

_ids = itertools.count(1)
BASE_TIME = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


def message_data(**overrides: Any) -> dict[str, Any]:
    n = next(_ids)
    data: dict[str, Any] = {
        "channel": "sms",
        "channel_account": "+447700900000",
        "provider_message_id": f"SM{n:032d}",
        "author": {"id": f"+4477009001{n % 100:02d}", "handle": f"+4477009001{n % 100:02d}"},
        "text": "Someone has smashed my car window on Harehills Lane",
        "created_at": (BASE_TIME + timedelta(minutes=n)).isoformat(),
    }
    data.update(overrides)
    return data


def inbound(**overrides: Any) -> InboundMessage:
    return InboundMessage.model_validate(message_data(**overrides))
