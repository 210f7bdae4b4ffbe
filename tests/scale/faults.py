"""Shared by the fault tests and bench/faults.py: a burst through intake while workers are
killed with SIGKILL and restarted, and the checks that nothing was lost or done twice."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import func, select

from beacon.audit import verify_chain
from beacon.bootstrap import Beacon
from beacon.messages import InboundMessage
from beacon.store.tables import CaseEntry, Message
from tests.builders import inbound

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ("He has a knife outside the shop on {n} Street", "My bike was stolen from garage {n}",
         "Someone smashed car window number {n}", "Thanks for all your work tonight, {n}")


def burst(count: int, seed: int = 9) -> list[InboundMessage]:
    """Messages from 300 people: some write many times (one case each), most a few."""
    rng = random.Random(seed)
    people = [{"id": f"+4477009{n:05d}", "handle": f"+4477009{n:05d}"} for n in range(300)]
    return [inbound(text=rng.choice(TEXTS).format(n=n), author=rng.choice(people),
                    provider_message_id=f"burst-{seed}-{n}") for n in range(count)]


class WorkerPool:
    """Worker processes of tests/scale/worker_proc.py; every one is ended by close()."""

    def __init__(self, size: int, args: list[str]) -> None:
        self._args = args
        self.procs = [self._start() for _ in range(size)]
        self.kills = 0
        self.restarts = 0
        self.exits = 0  # workers that ended without being killed (should stay 0)

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "tests.scale.worker_proc", *self._args],
                                cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                    [str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)},
                                stderr=None if os.environ.get("BEACON_SCALE_WORKER_LOGS") else subprocess.DEVNULL)

    def revive(self) -> None:
        """Start again any worker that ended by itself, as systemd's Restart=always would."""
        for index, proc in enumerate(self.procs):
            if proc.poll() is not None:
                self.procs[index] = self._start()
                self.exits += 1

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL a worker that is up (connected to Redis), and start another in its place.

        Only one that is up: killing workers still starting would stop all progress."""
        up = self._up()
        if not up:
            return
        index = rng.choice(up)
        self.procs[index].send_signal(signal.SIGKILL)
        self.procs[index].wait()
        self.procs[index] = self._start()
        self.kills += 1

    def restart_gracefully(self, index: int, timeout: float = 60) -> tuple[str, int | None]:
        """SIGTERM one worker, wait for it to exit, start another in its place (a rolling
        restart's step). Returns the stopped worker's consumer name and exit code."""
        proc = self.procs[index]
        name = f"{socket.gethostname()}-{proc.pid}"  # as worker_proc names its consumer
        proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        self.close_one(index)
        self.procs[index] = self._start()
        self.restarts += 1
        return name, code

    def wait_until_up(self, index: int, timeout: float = 120) -> bool:
        """Until the worker has connected to Redis (loaded, ready to read), as an operator waits
        for a restarted worker before restarting the next."""
        deadline = time.monotonic() + timeout
        while index not in self._up():
            if time.monotonic() > deadline or self.procs[index].poll() is not None:
                return False
            time.sleep(0.1)
        return True

    def close_one(self, index: int) -> None:
        if self.procs[index].poll() is None:
            self.procs[index].kill()
            self.procs[index].wait()

    def _up(self) -> list[int]:
        try:
            names = {c.get("name", "") for c in redis.Redis.from_url(self._args[1]).client_list()}
        except redis.RedisError:
            return []
        return [i for i, proc in enumerate(self.procs)
                if any(name.endswith(f"-{proc.pid}") for name in names)]

    def stop_gracefully(self, timeout: float = 30) -> list[int | None]:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.procs:
            try:
                codes.append(proc.wait(timeout))
            except subprocess.TimeoutExpired:
                codes.append(None)
        return codes

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@dataclass
class BurstRun:
    accepted: list[int] = field(default_factory=list)
    seconds: float = 0.0


def send_burst(beacon: Beacon, messages: list[InboundMessage], run: BurstRun, batch: int = 100) -> None:
    """Through intake (store, commit, publish) as a provider would, in batches of 100."""
    for start in range(0, len(messages), batch):
        for accepted in beacon.ingest(messages[start:start + batch]):
            run.accepted.append(accepted.message_id)


def run_with_faults(
    beacon: Beacon, messages: list[InboundMessage], pool: WorkerPool, *,
    kill_every: tuple[float, float], fault: Callable[[], None] | None = None,
    deadline_seconds: float = 600, seed: int = 1,
) -> BurstRun:
    """Send the burst in a thread while killing workers; `fault` (once, mid-burst) is extra."""
    rng, run = random.Random(seed), BurstRun()
    started = time.monotonic()
    sender = threading.Thread(target=send_burst, args=(beacon, messages, run))
    sender.start()
    faulted = fault is None
    waiting_before = unprocessed(beacon)
    while sender.is_alive() or waiting_before > 0:
        if time.monotonic() - started > deadline_seconds:
            break  # the checks below then say what is missing
        time.sleep(rng.uniform(*kill_every))
        pool.revive()
        waiting = unprocessed(beacon)
        if waiting < waiting_before or sender.is_alive():
            # Kill until the last message is processed, but only after some progress since
            # the last kill: kills faster than a batch takes would stop all work.
            pool.kill_one(rng)
        waiting_before = waiting
        if not faulted and len(run.accepted) >= len(messages) // 2:
            fault()  # type: ignore[misc]
            faulted = True
    sender.join()
    run.seconds = time.monotonic() - started
    return run


def unprocessed(beacon: Beacon) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count(Message.id)).where(Message.state != "processed")) or 0)


def problems_after(beacon: Beacon, accepted: list[int]) -> list[str]:
    """Everything acknowledged is processed once: triaged, routed, on at most one case line."""
    found: list[str] = []
    with beacon.read_session_factory() as session:
        rows = session.execute(select(Message.id, Message.state, Message.priority,
                                      Message.disposition, Message.case_id)).all()
        entries = dict(session.execute(
            select(CaseEntry.message_id, func.count(CaseEntry.id))
            .where(CaseEntry.kind == "message_in").group_by(CaseEntry.message_id)).all())
        chain = verify_chain(session)
    stored = {row.id: row for row in rows}
    missing = set(accepted) - set(stored)
    if missing:
        found.append(f"{len(missing)} acknowledged messages are not stored")
    for row in stored.values():
        if row.state != "processed" or row.priority is None or row.disposition is None:
            found.append(f"message {row.id} is {row.state} (priority {row.priority})")
        expected = 1 if row.disposition == "case" else 0
        if entries.get(row.id, 0) != expected or (row.case_id is not None) != bool(expected):
            found.append(f"message {row.id} ({row.disposition}) is on {entries.get(row.id, 0)} case lines")
    if not chain.ok:
        found.append(f"audit chain broken at {chain.first_bad_id}: {chain.problem}")
    return found[:20]
