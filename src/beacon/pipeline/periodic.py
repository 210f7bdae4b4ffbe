"""Jobs that run every few seconds beside the web server: outbox dispatch, SLA and escalation ticks.

One daemon thread runs them in turn; a job that raises is logged and tried again next round,
so one failing job cannot stop the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], object]
    next_due: float = field(default=0.0)


class PeriodicRunner:
    def __init__(self, jobs: list[PeriodicJob], tick_seconds: float = 0.5) -> None:
        self._jobs = jobs
        self._tick = tick_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self, now: float | None = None) -> list[str]:
        """Run every job that is due; returns their names (tests call this directly)."""
        now = time.monotonic() if now is None else now
        ran = []
        for job in self._jobs:
            if now < job.next_due:
                continue
            try:
                job.run()
            except Exception:  # noqa: BLE001 - keep the other jobs running
                log.exception("periodic job %s failed", job.name)
            job.next_due = now + job.every_seconds
            ran.append(job.name)
        return ran

    def start(self) -> None:
        if self._thread is None and self._jobs:
            self._thread = threading.Thread(target=self._loop, name="beacon-periodic", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the job in hand, then stop (graceful shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self._tick)
