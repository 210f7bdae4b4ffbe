"""A worker process for the fault tests: `beacon worker` with the keyword triage fake.

Run as `python -m tests.scale.worker_proc <database url> <redis url> <stream prefix> [claim ms]`;
SIGTERM finishes the batch in hand and exits 0, SIGKILL is what the tests are about.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

# Before the slow imports: a SIGTERM that arrives while the worker is still starting must mean
# "stop cleanly", not the default "die" (the tests check the exit code of a graceful stop).
STOP = threading.Event()
for _signum in (signal.SIGTERM, signal.SIGINT):
    signal.signal(_signum, lambda *_: STOP.set())

import logging

from beacon.bootstrap import bootstrap
from beacon.config import Settings
from beacon.pipeline.redis_streams import connect
from beacon.pipeline.worker import Worker, WorkerOptions, default_name
from tests.fakes import SHARED_AUDIT_KEY, KeywordTriage


def main(argv: list[str]) -> None:
    database_url, redis_url, prefix = argv[:3]
    claim_ms = int(argv[3]) if len(argv) > 3 else 1000
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = Settings(database_url=database_url, transport="redis", redis_url=redis_url,
                        stream_prefix=prefix, stream_shards=4, claim_idle_ms=claim_ms,
                        # One audit chain with the test's Beacon, so one key; the workers'
                        # checkpoints go to a scratch folder (the test verifies its own).
                        max_attempts=10, secret_key="test", audit_key=SHARED_AUDIT_KEY,
                        audit_checkpoint_dir=Path(tempfile.mkdtemp(prefix="beacon-worker-audit-")))
    beacon = bootstrap(settings, triage_engine=KeywordTriage())
    threading.Thread(target=_stop_when_orphaned, daemon=True).start()
    name = default_name()  # host-pid: the pool tells workers that are up by it
    worker = Worker(beacon, connect(redis_url, client_name=f"beacon-worker:{name}"),
                    WorkerOptions(name=name, sweep_every_seconds=2.0,
                                  error_backoff_seconds=0.2))
    worker.run(STOP)


def _stop_when_orphaned() -> None:
    """A test killed before its clean-up must not leave workers behind: stop with the parent."""
    parent = os.getppid()
    while not STOP.wait(1.0):
        if os.getppid() != parent:
            STOP.set()


if __name__ == "__main__":
    main(sys.argv[1:])
