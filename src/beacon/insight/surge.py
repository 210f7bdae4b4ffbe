"""Surge: the last hour's volume far above what is normal for that hour.

Normal is the median count in the same hour-long window on previous weeks when there is that
much history (Friday 23:00 is compared with Fridays at 23:00), else the median of the hours just
before. Spread is the median absolute deviation, floored at the Poisson noise of the median so a
quiet, steady night does not make every small rise look extreme. A surge needs all three:

- at least `min_count` messages (ten messages is not a surge, however quiet it was),
- `ratio` times the normal count,
- more than normal + `z` × spread.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)
WEEKS_BACK = 4
HOURS_BACK = 6


@dataclass(frozen=True)
class SurgeRule:
    min_count: int = 15
    ratio: float = 2.0
    z: float = 3.0


@dataclass(frozen=True)
class Surge:
    active: bool
    current: int
    normal: float
    threshold: float
    baseline: str  # "same hour on previous weeks" or "previous hours"

    @property
    def times_normal(self) -> float | None:
        return round(self.current / self.normal, 1) if self.normal else None


def judge_surge(current: int, history: list[int], baseline: str, rule: SurgeRule = SurgeRule()) -> Surge:
    normal = statistics.median(history) if history else 0.0
    mad = statistics.median(abs(h - normal) for h in history) if history else 0.0
    spread = max(1.4826 * mad, math.sqrt(normal), 1.0)
    threshold = max(float(rule.min_count), rule.ratio * normal, normal + rule.z * spread)
    return Surge(current >= threshold, current, round(normal, 1), round(threshold, 1), baseline)


def detect_surge(count_between: Callable[[datetime, datetime], int], now: datetime,
                 rule: SurgeRule = SurgeRule()) -> Surge:
    """`count_between(start, end)` counts inbound messages received in [start, end)."""
    current = count_between(now - WINDOW, now)
    weekly = [count_between(now - WINDOW - timedelta(weeks=w), now - timedelta(weeks=w))
              for w in range(1, WEEKS_BACK + 1)]
    if sum(1 for count in weekly if count > 0) >= 2:
        return judge_surge(current, weekly, "same hour on previous weeks", rule)
    hourly = [count_between(now - WINDOW * (h + 1), now - WINDOW * h) for h in range(1, HOURS_BACK + 1)]
    return judge_surge(current, hourly, "previous hours", rule)
