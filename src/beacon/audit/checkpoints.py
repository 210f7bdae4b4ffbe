"""Signed checkpoints of the audit chain, written outside the database.

A keyed chain still lets someone with database rights cut rows off the end and roll the head
back, or empty the log: what is left is a valid chain. A checkpoint is a small file, signed with
the audit key, saying "event N had hash H, and there were C events, at time T". `verify_chain`
fails when the database no longer holds what any checkpoint signed.

Checkpoints are numbered and each signs the one before it, so deleting one in the middle, or
editing any, is caught. A checkpoint is written after the commit of a transaction that took the
log 1,000 events (`audit_checkpoint_events`) past the last one, on the first event ever, and by a
periodic job every minute (`audit_checkpoint_seconds`, at most 300) while the log grows; and when
Beacon stops. Writers in several processes take a file lock, so numbers never collide.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from beacon.clock import Clock
from beacon.store.tables_audit import AuditEvent, AuditHead

log = logging.getLogger(__name__)
SUFFIX = ".checkpoint.json"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head_id: int
    head_hash: str
    count: int
    at: str  # ISO 8601, UTC
    prev_mac: str
    mac: str = ""

    def signed_text(self) -> str:
        return "|".join(["beacon-audit-checkpoint-v1", str(self.seq), str(self.head_id), self.head_hash,
                         str(self.count), self.at, self.prev_mac])

    @property
    def taken_at(self) -> datetime:
        return datetime.fromisoformat(self.at)


def _file_name(seq: int) -> str:
    return f"{seq:010d}{SUFFIX}"


def read_checkpoints(directory: Path) -> list[Checkpoint | str]:
    """Every checkpoint file in number order; a file that cannot be read is its name (a problem)."""
    if not directory.is_dir():
        return []
    found: list[Checkpoint | str] = []
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            data = json.loads(path.read_text())
            found.append(Checkpoint(**data))
        except (OSError, ValueError, TypeError):
            found.append(path.name)
    return found


def check_checkpoints(found: list[Checkpoint | str], sign: Callable[[str], str]) -> tuple[list[Checkpoint], str]:
    """The checkpoints if each is signed, numbered 1, 2, 3… and links to the one before; else a problem."""
    checked: list[Checkpoint] = []
    for item in found:
        if isinstance(item, str):
            return checked, f"checkpoint file {item} cannot be read"
        expected_seq = checked[-1].seq + 1 if checked else 1
        if item.seq != expected_seq:
            return checked, f"checkpoint {expected_seq} is missing (found {item.seq} next)"
        if sign(item.signed_text()) != item.mac:
            return checked, f"checkpoint {item.seq} is not signed with the audit key (edited or forged)"
        if checked and (item.prev_mac != checked[-1].mac or item.head_id < checked[-1].head_id):
            return checked, f"checkpoint {item.seq} does not follow checkpoint {item.seq - 1}"
        checked.append(item)
    return checked, ""


class CheckpointWriter:
    """Writes the next checkpoint when one is due. Bound to a read session factory after bootstrap."""

    def __init__(self, directory: Path, clock: Clock, every_events: int) -> None:
        self.directory = directory
        self.every_events = every_events
        self._clock = clock
        self._sign: Callable[[str], str] | None = None
        self._read: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        self._appended = 0
        self._have_one = False

    def bind(self, sign: Callable[[str], str], read: sessionmaker[Session]) -> None:
        self._sign, self._read = sign, read
        self._have_one = any(isinstance(c, Checkpoint) for c in read_checkpoints(self.directory))

    def note_appended(self) -> None:
        self._appended += 1  # a rough count is enough: it only decides when to look

    def after_commit(self) -> None:
        """Called after every commit: writes only on the first event or 1,000 past the last."""
        if self._appended and (not self._have_one or self._appended >= self.every_events):
            self._write_logged()

    def write_if_moved(self) -> Checkpoint | None:
        """The periodic job and shutdown: a checkpoint if the log moved since the last one."""
        return self._write_logged()

    def _write_logged(self) -> Checkpoint | None:
        try:
            return self.write()
        except (OSError, SQLAlchemyError):
            # The change is committed; a missing checkpoint shows in `beacon audit verify` (and the
            # next round writes it), so neither a full disk nor a database away may fail a request.
            log.exception("could not write an audit checkpoint in %s", self.directory)
            return None

    def write(self) -> Checkpoint | None:
        if self._sign is None or self._read is None:
            raise RuntimeError("the checkpoint writer is not bound to a database")
        with self._lock, self._directory_lock():
            self._appended = 0
            found = read_checkpoints(self.directory)
            latest = next((c for c in reversed(found) if isinstance(c, Checkpoint)), None)
            with self._read() as session:
                head = session.get(AuditHead, 1)
                if head is None or (latest is not None and latest.head_id == head.last_id):
                    return None
                count = session.scalar(select(func.count()).where(AuditEvent.id <= head.last_id)) or 0
            checkpoint = Checkpoint(
                seq=(latest.seq + 1) if latest else len(found) + 1, head_id=head.last_id,
                head_hash=head.last_hash, count=int(count), at=self._clock.now().isoformat(),
                prev_mac=latest.mac if latest else "",
            )
            checkpoint = Checkpoint(**{**asdict(checkpoint), "mac": self._sign(checkpoint.signed_text())})
            self._save(checkpoint)
            self._have_one = True
            return checkpoint

    def _save(self, checkpoint: Checkpoint) -> None:
        path = self.directory / _file_name(checkpoint.seq)
        temporary = path.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            json.dump(asdict(checkpoint), handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)  # whole or not at all

    @contextmanager
    def _directory_lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
