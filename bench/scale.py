"""End-to-end throughput and latency: embedded mode, and distributed mode with 1, 2 and 4 workers.

    .venv/bin/python bench/scale.py [--messages 5000] [--workers 1,2,4] [--p1-load 500]
        [--postgres postgresql+psycopg://root@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/14]

Messages are the night-shift scenario repeated (as bench/ingest.py), sent through intake
(`Beacon.ingest`: store, commit, publish) in batches of 100 as fast as intake takes them.
  throughput  messages per second from the first intake to the last message processed
  latency     intake to the case visible in the inbox (its case line committed), for messages
              routed to a case, sampled by polling every 10 ms (so ±10 ms)
  cases       messages on a case; opened: cases opened; incidents: incidents at the end (these
              two must not depend on the number of workers: the noise log keeps them in step)
  p1 latency  a P1 sent every half second while the rest arrives paced at --p1-load msg/s; also
              for the P1s the lexicon alone recognises, which take the priority lane
Distributed runs use a fresh PostgreSQL database each and `beacon worker` processes with the real
triage model; the embedded run uses SQLite in a temporary folder, as `beacon serve` does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import percentile
from ingest import scenario_messages

# Each P1 is worded afresh from three parts that all change from one to the next: with only a
# number changed, the noise stage rightly folds the fifth "knife outside the Co-op" onto the first
# as a near-copy, and it never reaches a case of its own (so it would never be timed).
P1_WHO = ("a man", "two lads", "a woman", "my brother", "a teenager", "my neighbour", "someone", "my ex")
P1_WHAT = (
    "has a knife and is threatening people", "is being stabbed and bleeding badly",
    "is pointing a gun at passing cars", "is kicking my door in and screaming he will kill me",
    "is on the bridge railing saying she wants to jump", "has been hit by a car and is not moving",
    "is holding a child hostage with a blade",
)
P1_WHERE = (
    "outside the Co-op on Harehills Lane", "by the bus station", "at the top of Roundhay Road",
    "in the park near the lake", "behind the Red Lion pub", "on Gledhow Road", "at the railway bridge",
    "in the Asda car park", "by the school gates on Chapel Street", "near the canal lock",
    "outside the chip shop on Market Street",
)


def p1_text(n: int) -> str:
    return (f"{P1_WHO[n % len(P1_WHO)].capitalize()} {P1_WHAT[n % len(P1_WHAT)]} "
            f"{P1_WHERE[n % len(P1_WHERE)]}, send help now (call {n})")


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"beacon_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def env_for(database_url: str, redis_url: str | None, prefix: str, folder: Path) -> dict[str, str]:
    env = {**os.environ, "BEACON_DATABASE_URL": database_url, "BEACON_VAR_DIR": str(folder),
           "BEACON_SECRET_KEY": "bench", "BEACON_STREAM_PREFIX": prefix}
    if redis_url:
        env.update(BEACON_TRANSPORT="redis", BEACON_REDIS_URL=redis_url)
    return env


@contextmanager
def workers(count: int, env: dict[str, str]) -> Iterator[None]:
    beacon_cmd = str(Path(sys.executable).with_name("beacon"))
    procs = [subprocess.Popen([beacon_cmd, "worker", "--name", f"bench-{n}", "--log-level", "WARNING"],
                              env=env, stderr=subprocess.DEVNULL) for n in range(count)]
    try:
        wait_until_connected(env["BEACON_REDIS_URL"], count)
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)


def wait_until_connected(redis_url: str, count: int) -> None:
    """Time the pipeline, not start-up: wait until every worker has loaded and connected."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    while sum(c["name"].startswith("beacon-worker:bench-") for c in client.client_list()) < count:
        time.sleep(0.2)
    time.sleep(1.0)  # from connecting to reading: the groups are created, the first poll made


class CaseWatcher:
    """Polls committed case lines: when each message became visible on a case."""

    def __init__(self, beacon: Any) -> None:
        self._beacon = beacon
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        from sqlalchemy import select

        from beacon.store.tables import CaseEntry

        low = 0
        while not self._stop.is_set():
            with self._beacon.read_session_factory() as session:
                rows = session.execute(select(CaseEntry.id, CaseEntry.message_id)
                                       .where(CaseEntry.id > low - 5000, CaseEntry.kind == "message_in")).all()
            now = time.monotonic()
            for row in rows:
                self.seen.setdefault(row.message_id, now)
                low = max(low, row.id)
            self._stop.wait(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def processed_count(beacon: Any) -> int:
    from sqlalchemy import func, select

    from beacon.store.tables import Message

    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count(Message.id)).where(Message.state != "received")) or 0)


def run_burst(beacon: Any, messages: list[Any]) -> dict[str, float]:
    watcher = CaseWatcher(beacon)
    sent: dict[int, float] = {}
    started = time.monotonic()
    for start in range(0, len(messages), 100):
        at = time.monotonic()
        for accepted in beacon.ingest(messages[start:start + 100]):
            sent[accepted.message_id] = at
    intake_done = time.monotonic()
    while processed_count(beacon) < len(messages):
        time.sleep(0.05)
    finished = time.monotonic()
    time.sleep(0.05)
    watcher.stop()
    latencies = [watcher.seen[m] - sent[m] for m in sent if m in watcher.seen]
    return {"rate": len(messages) / (finished - started), "intake_rate": len(messages) / (intake_done - started),
            "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
            "cases": len(latencies), **noise_picture(beacon)}


def noise_picture(beacon: Any) -> dict[str, float]:
    """Cases opened and incidents: the same for any number of workers, or the noise stage is not shared."""
    from sqlalchemy import func, select

    from beacon.store.tables import Case
    from beacon.store.tables_noise import IncidentRow

    with beacon.read_session_factory() as session:
        opened = session.scalar(select(func.count()).select_from(Case)) or 0
        incidents = session.scalar(select(func.count()).select_from(IncidentRow)
                                   .where(IncidentRow.merged_into_id.is_(None))) or 0
    return {"opened": opened, "incidents": incidents}


def run_p1_under_load(beacon: Any, background: list[Any], rate: float, seconds: float) -> dict[str, float]:
    from beacon.messages import InboundMessage
    from beacon.triage.quick import EmergencyCheck

    lexicon_p1 = EmergencyCheck.load(beacon.settings.lexicon_path)
    watcher = CaseWatcher(beacon)
    sent: dict[int, float] = {}
    in_lane: set[int] = set()
    started = time.monotonic()
    sent_background = next_p1 = 0
    n = 0
    while time.monotonic() - started < seconds:
        elapsed = time.monotonic() - started
        due = min(len(background), int(elapsed * rate))
        if due > sent_background:  # paced background load, sent as it falls due
            beacon.ingest(background[sent_background:due])
            sent_background = due
        if elapsed >= next_p1:
            p1 = InboundMessage.model_validate({
                "channel": "sms", "channel_account": "+447700900000", "provider_message_id": f"p1-{n}",
                "author": {"id": f"+4477001{n:05d}"},
                "text": p1_text(n),
                "created_at": "2026-11-28T23:30:00+00:00"})
            [accepted] = beacon.ingest([p1])
            sent[accepted.message_id] = time.monotonic()
            if lexicon_p1(p1.text):
                in_lane.add(accepted.message_id)
            next_p1, n = next_p1 + 0.5, n + 1
        time.sleep(0.002)
    deadline = time.monotonic() + 120
    while any(m not in watcher.seen for m in sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    watcher.stop()
    latencies = [watcher.seen[m] - sent[m] for m in sent if m in watcher.seen]
    lane = [watcher.seen[m] - sent[m] for m in in_lane if m in watcher.seen]
    return {"p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
            "p1s": len(sent), "seen": len(latencies), "achieved": sent_background / seconds,
            "lane": len(in_lane), "lane_p50": percentile(lane, 50) * 1000,
            "lane_p99": percentile(lane, 99) * 1000}


def build(database_url: str, redis_url: str | None, prefix: str, folder: Path) -> Any:
    from beacon.bootstrap import bootstrap
    from beacon.config import Settings

    settings = Settings(**{k.removeprefix("BEACON_").lower(): v for k, v in
                           env_for(database_url, redis_url, prefix, folder).items() if k.startswith("BEACON_")})
    beacon = bootstrap(settings)
    beacon.prepare_database()
    return beacon


def inbound(messages: list[dict[str, Any]]) -> list[Any]:
    from beacon.messages import InboundMessage

    return [InboundMessage.model_validate(m) for m in messages]


def clear_streams(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--p1-load", type=float, default=500.0)
    parser.add_argument("--p1-seconds", type=float, default=20.0)
    parser.add_argument("--p1-workers", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    messages = scenario_messages(args.messages)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        beacon = build(f"sqlite:///{folder / 'embedded.db'}", None, "unused", folder)
        results["embedded (SQLite, inline)"] = run_burst(beacon, inbound(messages))
        beacon.engine.dispose()
        for count in [int(n) for n in args.workers.split(",")]:
            prefix = f"beacon-bench:{uuid.uuid4().hex[:8]}"
            with fresh_postgres(args.postgres) as url:
                beacon = build(url, args.redis, prefix, folder)
                with workers(count, env_for(url, args.redis, prefix, folder)):
                    results[f"distributed, {count} worker(s)"] = run_burst(beacon, inbound(messages))
                beacon.engine.dispose()
            clear_streams(args.redis, prefix)
        print_results(results, args.messages)
        prefix = f"beacon-bench:{uuid.uuid4().hex[:8]}"
        with fresh_postgres(args.postgres) as url:
            beacon = build(url, args.redis, prefix, folder)
            background = inbound(scenario_messages(int(args.p1_load * args.p1_seconds) + 1))
            with workers(args.p1_workers, env_for(url, args.redis, prefix, folder)):
                p1 = run_p1_under_load(beacon, background, args.p1_load, args.p1_seconds)
            beacon.engine.dispose()
        clear_streams(args.redis, prefix)
    print(f"\nP1 under load ({args.p1_workers} workers, background asked {args.p1_load:.0f} msg/s, "
          f"sent {p1['achieved']:.0f} msg/s for {args.p1_seconds:.0f} s): "
          f"{p1['seen']:.0f}/{p1['p1s']:.0f} P1s on a case, p50 {p1['p50']:.0f} ms, p99 {p1['p99']:.0f} ms;\n"
          f"  of which {p1['lane']:.0f} recognised by the lexicon (priority lane): "
          f"p50 {p1['lane_p50']:.0f} ms, p99 {p1['lane_p99']:.0f} ms")


def print_results(results: dict[str, dict[str, float]], count: int) -> None:
    print(f"{count} messages through intake to a routed case, this machine ({os.cpu_count()} cores)\n")
    print(f"{'mode':<28} {'msg/s':>8} {'intake msg/s':>13} {'p50 ms':>8} {'p99 ms':>9}  cases  opened  incidents")
    base = results["embedded (SQLite, inline)"]["rate"]
    one = results.get("distributed, 1 worker(s)", {}).get("rate")
    for mode, r in results.items():
        print(f"{mode:<28} {r['rate']:8.0f} {r['intake_rate']:13.0f} {r['p50']:8.0f} {r['p99']:9.0f}  "
              f"{r['cases']:5.0f}  {r['opened']:6.0f}  {r['incidents']:9.0f}")
    print("\nratios: " + ", ".join(f"{mode} / embedded = {r['rate'] / base:.2f}" for mode, r in results.items()
                                   if mode.startswith("distributed")))
    if one:
        print("        " + ", ".join(f"{mode} / 1 worker = {r['rate'] / one:.2f}" for mode, r in results.items()
                                     if mode.startswith("distributed")))


if __name__ == "__main__":
    main()
