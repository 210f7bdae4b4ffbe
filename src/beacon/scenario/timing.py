"""Move a generated night in time, so the demo's night ends just before the present."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def ending_at(messages: list[dict[str, Any]], end: datetime) -> list[dict[str, Any]]:
    """Copies of the messages with every `created_at` (and `received_at`) moved so the last
    `created_at` falls at `end`.

    Gaps between messages are kept, so storms stay storms and the small hours stay quiet;
    SLA clocks and "last 24 hours" views then see a night that has just happened.
    """
    if not messages:
        return []
    times = [datetime.fromisoformat(m["created_at"]) for m in messages]
    delta: timedelta = end - max(times)
    return [_moved(m, t + delta, delta) for m, t in zip(messages, times, strict=True)]


def _moved(message: dict[str, Any], created: datetime, delta: timedelta) -> dict[str, Any]:
    moved = {**message, "created_at": created.isoformat()}
    if message.get("received_at"):
        moved["received_at"] = (datetime.fromisoformat(message["received_at"]) + delta).isoformat()
    return moved
