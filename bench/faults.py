"""The kill -9 burst at full size: every acknowledged message processed once, while workers die.

    .venv/bin/python bench/faults.py [--messages 50000] [--workers 2] [--redis-restart]
        [--postgres postgresql+psycopg://root@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/14]

The same procedure and checks as tests/scale/test_scale_kill9.py (workers use the keyword triage
fake: this measures delivery, not triage). With --redis-restart it runs its own redis-server (with
an append-only file) and kills and restarts it once mid-burst. Prints the counts, the kills, the
time taken and any problem found; exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.conftest import make_beacon
from tests.scale.conftest import distributed_settings
from tests.scale.faults import WorkerPool, burst, problems_after, run_with_faults
from tests.scale.redis_server import OwnRedis

from beacon.clock import FakeClock
from scale import fresh_postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-restart", action="store_true")
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_postgres(args.postgres) as url:
        own = OwnRedis(Path(tmp), appendonly=True) if args.redis_restart else None
        redis_url = own.url if own else args.redis
        prefix = f"beacon-faults:{uuid.uuid4().hex[:8]}"
        beacon = make_beacon(url, Path(tmp), FakeClock(datetime(2026, 11, 28, 23, 0, tzinfo=UTC)),
                             **distributed_settings(prefix, redis_url=redis_url))
        pool = WorkerPool(args.workers, [url, redis_url, prefix, "1000"])
        try:
            run = run_with_faults(beacon, burst(args.messages), pool, kill_every=(0.3, 1.2),
                                  fault=own.restart if own else None, deadline_seconds=7200)
            problems = problems_after(beacon, run.accepted)
            codes = pool.stop_gracefully()
        finally:
            pool.close()
            if own:
                own.kill()
            beacon.engine.dispose()
    print(f"{args.messages} messages, {args.workers} workers, {pool.kills} SIGKILLs"
          f"{', Redis killed and restarted once' if own else ''}: {len(set(run.accepted))} acknowledged, "
          f"{unprocessed_note(problems)} in {run.seconds:.0f} s ({len(run.accepted) / run.seconds:.0f} msg/s)")
    print(f"graceful stop exit codes: {codes}")
    for problem in problems:
        print("PROBLEM:", problem)
    if problems:
        raise SystemExit(1)


def unprocessed_note(problems: list[str]) -> str:
    return "all processed once, audit chain intact" if not problems else f"{len(problems)} problem(s)"


if __name__ == "__main__":
    main()
