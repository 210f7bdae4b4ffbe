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
