"""Runs the stages for one stored message, once, in one transaction.

Processing is idempotent: a message already processed is left alone, so a transport may deliver
the same id twice (at-least-once) without doubling its effects.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from beacon.clock import Clock
from beacon.pipeline.stages import (
    CaseOutcome,
    StageContext,
    Triager,
    cases_stage,
    noise_stage,
    people_stage,
    routing_stage,
    triage_stage,
)
from beacon.store.tables import DeadLetter, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Processed:
    message_id: int
    priority: str | None
    disposition: str | None
    case: CaseOutcome | None
    skipped: bool = False


class Pipeline:
    def __init__(
        self, session_factory: sessionmaker[Session], triage_engine: Triager, clock: Clock
    ) -> None:
        self._session_factory = session_factory
        self._triage_engine = triage_engine
        self._clock = clock

    def process(self, message_id: int) -> Processed | None:
        """Process one message; on failure keep it in the dead-letter store and return None."""
        try:
            return self._process(message_id)
        except Exception as error:  # noqa: BLE001 - anything a stage raises must not lose the message
            log.exception("pipeline failed for message %s", message_id)
            self._dead_letter(message_id, error)
            return None

    def _process(self, message_id: int) -> Processed:
        with self._session_factory.begin() as session:
            message = session.get(Message, message_id, with_for_update=True)
            if message is None:
                raise LookupError(f"message {message_id} is not stored")
            if message.state == "processed":
                return Processed(message_id, message.priority, message.disposition, None, True)
            ctx = StageContext(session, self._triage_engine, self._clock.now())
            triage = triage_stage(ctx, message)
            noise = noise_stage(ctx, message)
            people_stage(ctx, message)
            disposition = routing_stage(ctx, message, triage, noise)
            case = cases_stage(ctx, message, triage, disposition)
            message.state = "processed"
            return Processed(message_id, triage.priority, disposition.outcome.value, case)

    def _dead_letter(self, message_id: int, error: Exception) -> None:
        with self._session_factory.begin() as session:
            message = session.get(Message, message_id)
            if message is not None:
                message.state = "failed"
            reason = "".join(traceback.format_exception_only(error)).strip()
            session.add(
                DeadLetter(
                    source="pipeline",
                    reason=reason,
                    raw_body=repr(message.raw) if message is not None else "",
                    content_type="application/json",
                    message_id=message_id,
                )
            )
