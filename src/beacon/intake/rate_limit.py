"""A small in-process sliding-window rate limiter, per key (the web form uses client addresses).

In process on purpose: the web form needs a brake on one address flooding the force, not a
precise quota across workers. With several web workers each keeps its own window, so the
effective limit is at most `limit` times the number of workers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 50_000  # beyond this, idle keys are swept so a scan of many addresses cannot grow memory


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds."""

    def __init__(
        self, limit: int, window: float = 3600.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one hit for `key`; None if allowed, else whole seconds until one is allowed.

        A limit of 0 or less turns the limiter off.
        """
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            self._forget(hits, now)
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            if len(self._hits) > MAX_KEYS:
                self._sweep(now)
            return None

    def _forget(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.window:
            hits.popleft()

    def _sweep(self, now: float) -> None:
        for key in list(self._hits):
            self._forget(self._hits[key], now)
            if not self._hits[key]:
                del self._hits[key]
