"""Messages per second through the whole pipeline on SQLite, against raw SQLite inserts.

    .venv/bin/python bench/ingest.py [--messages 2000] [--batch 100]

Each mode runs in a fresh process on a fresh database file, so peak memory is its own:
  raw       the same rows inserted straight into SQLite with executemany (the baseline)
  batched   Beacon.ingest of batches (store, then triage/noise/people/routing/cases per message)
  single    Beacon.ingest one message at a time, as webhooks arrive
The figure to watch is the ratio of each Beacon mode to the raw rate. Each mode also prints its
CPU time per message (the process's own, so a busy machine inflates it less than the rate) and
its SQL statements per message (counted with SQLAlchemy's before_cursor_execute event; an
executemany is one statement, as it is one round trip; raw counts its executemany calls).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import latency_summary, peak_rss_mib  # noqa: E402


def scenario_messages(count: int) -> list[dict[str, Any]]:
    """The night-shift scenario repeated with fresh provider ids until `count` messages."""
    from beacon.scenario import generate_night_shift

    night, _ = generate_night_shift(7)
    out = []
    for n in range(count):
        message = dict(night[n % len(night)])
        lap = n // len(night)
        message["provider_message_id"] = f"{message['provider_message_id']}-{lap}"
        if message.get("shared_of"):
            message["shared_of"] = f"{message['shared_of']}-{lap}"
        out.append(message)
    return out


def run_raw(messages: list[dict[str, Any]], folder: Path, batch: int) -> dict[str, Any]:
    from beacon.bootstrap import bootstrap
    from beacon.config import Settings
    from beacon.intake.accept import message_row
    from beacon.messages import InboundMessage

    url = f"sqlite:///{folder / 'raw.db'}"
    beacon = bootstrap(Settings(database_url=url, var_dir=folder))
    beacon.prepare_database()
    rows = [message_row(InboundMessage.model_validate(m), 1) for m in messages]
    for row in rows:
        for key in ("media", "categories", "place", "raw"):
            row[key] = json.dumps(row[key])
    beacon.engine.dispose()
    columns = list(rows[0])
    sql = f"INSERT INTO messages ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn = sqlite3.connect(folder / "raw.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    latencies = []
    statements = 0
    cpu, start = time.process_time(), time.perf_counter()
    for i in range(0, len(rows), batch):
        t0 = time.perf_counter()
        conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows[i : i + batch]])
        conn.commit()
        statements += 1
        latencies.append(time.perf_counter() - t0)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"rate": len(rows) / elapsed, "latencies": latencies, "peak": peak_rss_mib(),
            "cpu_ms": 1000 * cpu / len(rows), "statements": statements / len(rows)}


def run_beacon(messages: list[dict[str, Any]], folder: Path, batch: int) -> dict[str, Any]:
    from sqlalchemy import event

    from beacon.bootstrap import bootstrap
    from beacon.config import Settings
    from beacon.messages import InboundMessage

    beacon = bootstrap(Settings(database_url=f"sqlite:///{folder / 'beacon.db'}", var_dir=folder))
    beacon.prepare_database()
    parsed = [InboundMessage.model_validate(m) for m in messages]
    latencies = []
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(beacon.engine, "before_cursor_execute", count)
    triage_cpu = _time_triage(beacon)
    cpu, start = time.process_time(), time.perf_counter()
    for i in range(0, len(parsed), batch):
        t0 = time.perf_counter()
        beacon.ingest(parsed[i : i + batch])
        latencies.append(time.perf_counter() - t0)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    event.remove(beacon.engine, "before_cursor_execute", count)
    return {"rate": len(parsed) / elapsed, "latencies": latencies, "peak": peak_rss_mib(),
            "cpu_ms": 1000 * cpu / len(parsed), "statements": statements[0] / len(parsed),
            "triage_ms": 1000 * triage_cpu[0] / len(parsed)}


def _time_triage(beacon: Any) -> list[float]:
    """Count the CPU spent inside the triage engine, to tell it from the write path's."""
    engine = beacon.pipeline._triage_engine  # noqa: SLF001 - a bench looks inside
    spent = [0.0]

    class Timed:
        def triage(self, *args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            try:
                return engine.triage(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - t0

    beacon.pipeline._triage_engine = Timed()  # noqa: SLF001
    return spent


def _child(mode: str, count: int, batch: int, queue: Any) -> None:
    messages = scenario_messages(count)
    with tempfile.TemporaryDirectory() as tmp:
        runner = run_raw if mode == "raw" else run_beacon
        queue.put(runner(messages, Path(tmp), batch))


def measure(mode: str, count: int, batch: int) -> dict[str, Any]:
    queue: Any = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=_child, args=(mode, count, batch, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    print(f"ingest benchmark: {args.messages} messages from the night-shift scenario, SQLite, one process")
    raw = measure("raw", args.messages, args.batch)
    batched = measure("batched", args.messages, args.batch)
    single = measure("single", args.messages, 1)
    modes = (("raw", raw, f"batch of {args.batch}"), ("batched", batched, f"batch of {args.batch}"),
             ("single", single, "message"))
    print(f"{'mode':<10}{'msg/s':>10}{'vs raw':>9}{'peak MiB':>10}  latency per call")
    for name, result, unit in modes:
        ratio = result["rate"] / raw["rate"]
        print(f"{name:<10}{result['rate']:>10.0f}{ratio:>9.3f}{result['peak']:>10.0f}  "
              f"({unit}) {latency_summary(result['latencies'])}")
    print(f"{'mode':<10}{'CPU ms/msg':>12}{'of it triage':>14}{'statements/msg':>16}")
    for name, result, _ in modes:
        triage = f"{result['triage_ms']:.3f}" if "triage_ms" in result else "-"
        print(f"{name:<10}{result['cpu_ms']:>12.3f}{triage:>14}{result['statements']:>16.2f}")


if __name__ == "__main__":
    main()
