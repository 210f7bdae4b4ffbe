"""How stored message ids reach the pipeline.

The embedded default runs the pipeline in process, right after intake commits. A distributed
transport (Redis Streams consumer groups) implements the same two methods.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beacon.pipeline.runner import Pipeline, Processed
from beacon.store.tables import Message


class Transport(Protocol):
    def publish(self, message_ids: Sequence[int]) -> list[Processed | None]: ...


class InlineTransport:
    """Processes each id in the calling thread, after the intake transaction committed.

    One message at a time: in one process that keeps stages free of races (two messages from
    one person opening two cases) without relying on the database to referee.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self._lock = threading.Lock()

    def publish(self, message_ids: Sequence[int]) -> list[Processed | None]:
        with self._lock:
            return self._pipeline.process_many(message_ids)


def recover_unprocessed(session_factory: sessionmaker[Session], transport: Transport) -> int:
    """Re-publish messages stored but never processed (the process stopped in between)."""
    with session_factory() as session:
        ids = list(
            session.scalars(select(Message.id).where(Message.state == "received").order_by(Message.id))
        )
    transport.publish(ids)
    return len(ids)


def replay_failed(
    session_factory: sessionmaker[Session], transport: Transport, letter_ids: Sequence[int] | None
) -> list[int]:
    """Put messages whose pipeline run was dead-lettered back to `received` and publish them.

    `letter_ids` None: every unresolved pipeline dead letter. The letter is marked resolved and
    the attempt count reset; a message that fails again gets a new letter. Returns message ids.
    """
    from beacon.messages import utc_now
    from beacon.store.tables import DeadLetter
    from beacon.store.tables_scale import PipelineAttempt

    query = select(DeadLetter).where(DeadLetter.source == "pipeline", DeadLetter.resolved_at.is_(None),
                                     DeadLetter.message_id.is_not(None))
    if letter_ids is not None:
        query = query.where(DeadLetter.id.in_(list(letter_ids)))
    with session_factory.begin() as session:
        replayed = []
        for letter in session.scalars(query.order_by(DeadLetter.id)):
            message = session.get(Message, letter.message_id)
            letter.resolved_at = utc_now()
            if message is None or message.state != "failed":
                continue
            message.state = "received"
            attempts = session.get(PipelineAttempt, message.id)
            if attempts is not None:
                session.delete(attempts)
            replayed.append(message.id)
    transport.publish(replayed)
    return replayed
