"""Move a generated night in time, so the demo's night ends just before the present."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def ending_at(messages: list[dict[str, Any]], end: datetime) -> list[dict[str, Any]]:
    """Copies of the messages with every `created_at` moved so the last one falls at `end`.

    Gaps between messages are kept, so storms stay storms and the small hours stay quiet;
    SLA clocks and "last 24 hours" views then see a night that has just happened.
    """
    if not messages:
        return []
    times = [datetime.fromisoformat(m["created_at"]) for m in messages]
    delta: timedelta = end - max(times)
    return [{**m, "created_at": (t + delta).isoformat()} for m, t in zip(messages, times, strict=True)]
