"""Send what the outbox holds: claim due entries, call their sender, record the outcome.

Claiming marks an entry `sending` in its own short transaction, so two dispatchers never send
the same entry at once (on PostgreSQL with SKIP LOCKED). An entry left `sending` by a
dispatcher that died is claimed again after `stuck_after`; the sender then uses the same
idempotency key, so a provider that honours it sees one message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from beacon.clock import Clock
from beacon.store.tables_outbox import OutboxEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_ref: str | None = None
    error: str | None = None
    retry: bool = True  # False: do not try again (e.g. credentials revoked, recipient blocked us)


class Sender(Protocol):
    def send(self, entry: OutboxEntry) -> SendResult: ...


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 30 min."""
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 1800))


class Dispatcher:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        clock: Clock,
        max_attempts: int = 8,
        stuck_after: timedelta = timedelta(minutes=5),
        on_sent: Callable[[Session, OutboxEntry], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._senders = senders
        self._clock = clock
        self._max_attempts = max_attempts
        self._stuck_after = stuck_after
        # Runs in the transaction that records a send (e.g. folds in status callbacks that
        # arrived before the send was recorded).
        self._on_sent = on_sent

    def run_once(self, limit: int = 50) -> int:
        """Send every due entry (up to `limit`); returns how many were attempted."""
        claimed = self._claim(limit)
        for entry_id in claimed:
            self._send_one(entry_id)
        return len(claimed)

    def _claim(self, limit: int) -> list[int]:
        now = self._clock.now()
        with self._session_factory.begin() as session:
            due = or_(
                (OutboxEntry.status == "pending") & (OutboxEntry.next_attempt_at <= now),
                (OutboxEntry.status == "sending") & (OutboxEntry.next_attempt_at <= now - self._stuck_after),
            )
            query = select(OutboxEntry).where(due).order_by(OutboxEntry.id).limit(limit)
            entries = list(session.scalars(query.with_for_update(skip_locked=True)))
            for entry in entries:
                entry.status = "sending"
                entry.attempts += 1
                entry.next_attempt_at = now
            return [entry.id for entry in entries]

    def _send_one(self, entry_id: int) -> None:
        with self._session_factory() as session:
            entry = session.get_one(OutboxEntry, entry_id)
            session.expunge(entry)
        sender = self._senders.get(entry.channel)
        if sender is None:
            result = SendResult(False, error=f"no sender for {entry.channel!r}", retry=False)
        else:
            try:
                result = sender.send(entry)
            except Exception as error:  # noqa: BLE001 - a sender's bug must not stop the others
                log.exception("sender %s failed on outbox entry %s", entry.channel, entry_id)
                result = SendResult(False, error=f"{type(error).__name__}: {error}")
        self._record(entry_id, result, self._clock.now())

    def _record(self, entry_id: int, result: SendResult, now: datetime) -> None:
        with self._session_factory.begin() as session:
            entry = session.get_one(OutboxEntry, entry_id)
            if result.ok:
                entry.status, entry.sent_at, entry.last_error = "sent", now, None
                entry.provider_ref = result.provider_ref
                if self._on_sent is not None:
                    self._on_sent(session, entry)
            elif result.retry and entry.attempts < self._max_attempts:
                entry.status, entry.last_error = "pending", result.error
                entry.next_attempt_at = now + backoff(entry.attempts)
            else:
                entry.status, entry.last_error = "failed", result.error
