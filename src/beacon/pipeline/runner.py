"""Runs the stages for stored messages, each once, a batch to a transaction.

Processing is idempotent: a message already processed (or failed) is left alone, so a transport
may deliver the same id twice (at-least-once) without doubling its effects.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from beacon.clock import Clock
from beacon.messages import utc_now
from beacon.noise.persistence import NoiseService
from beacon.people.settings import PeopleSettings
from beacon.pipeline.batch.run import run_batch
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
from beacon.pipeline.triage_ahead import TriagedAhead
from beacon.routing.policy import Policy
from beacon.store.tables import DeadLetter, Message
from beacon.store.tables_scale import PipelineAttempt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Processed:
    message_id: int
    priority: str | None
    disposition: str | None
    case: CaseOutcome | None
    skipped: bool = False


@dataclass
class Batch:
    results: list[Processed | None]
    retrying: set[int]  # failed with attempts left: not final, to be delivered again


class Pipeline:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        triage_engine: Triager,
        clock: Clock,
        noise: NoiseService | None = None,
        policy: Policy | None = None,
        people: PeopleSettings | None = None,
    ) -> None:
        self._routing = (policy, people)  # the force's own files (Settings), loaded by bootstrap
        self._session_factory = session_factory
        self._noise = noise or NoiseService()
        self._triage_engine = triage_engine
        self._clock = clock

    def process(self, message_id: int) -> Processed | None:
        return self.process_many([message_id])[0]

    def process_many(self, message_ids: Sequence[int]) -> list[Processed | None]:
        """Process messages in one transaction (one commit, one fsync) with a savepoint each.

        A message whose stages fail is rolled back alone and kept as a dead letter (None in the
        result); the others still commit. If the commit itself fails nothing is marked
        processed, and the messages are picked up again by recovery.
        """
        with self._session_factory.begin() as session:
            return self.process_in(session, message_ids).results

    def process_in(
        self, session: Session, message_ids: Sequence[int], max_attempts: int = 1
    ) -> Batch:
        """Process messages in the caller's transaction: the whole batch in memory and written
        at once (pipeline/batch/), or, when that fails, one at a time with a savepoint each.

        With max_attempts 1 (the embedded mode) a failure is final at once. Above 1 (workers), a
        failure is counted in `pipeline_attempts` and the message is left `received` for the
        transport to deliver again, until the count reaches max_attempts: then it is final.
        """
        fast = self._run_batch(session, message_ids)
        if fast is not None:
            return fast
        return self._one_at_a_time(session, message_ids, max_attempts)

    def _run_batch(self, session: Session, message_ids: Sequence[int]) -> Batch | None:
        """The batch write path (pipeline/batch/): None when the batch failed and was rolled back."""
        try:
            with session.begin_nested():
                outcomes = run_batch(session, message_ids, self._triage_engine, self._noise,
                                     self._clock.now(), *self._routing)
        except Exception:  # noqa: BLE001 - one at a time finds and dead-letters the poison message
            log.warning("batch of %d failed; processing one at a time", len(message_ids), exc_info=True)
            return None
        return Batch([Processed(i, o.priority, o.disposition, o.case, o.skipped)
                      for i, o in zip(message_ids, outcomes)], set())

    def _one_at_a_time(self, session: Session, message_ids: Sequence[int], max_attempts: int) -> Batch:
        batch = Batch([], set())
        triage = TriagedAhead(self._triage_engine)
        forces = triage.prepare(session, message_ids)  # CPU-bound: before the noise locks
        self._noise.hold(session, forces)  # one lock and one catch-up check per force and batch
        for message_id in message_ids:
            try:
                with session.begin_nested():
                    batch.results.append(self._run_stages(session, message_id, triage))
            except Exception as error:  # noqa: BLE001 - a stage's failure must not lose the message
                log.exception("pipeline failed for message %s", message_id)
                if max_attempts > 1 and _count_attempt(session, message_id, error) < max_attempts:
                    batch.retrying.add(message_id)
                else:
                    self._record_failure(session, message_id, error)
                batch.results.append(None)
        return batch

    def _run_stages(self, session: Session, message_id: int, triage_engine: Triager) -> Processed:
        message = session.get(Message, message_id, with_for_update=True)
        if message is None:
            raise LookupError(f"message {message_id} is not stored")
        if message.state != "received":
            return Processed(message_id, message.priority, message.disposition, None, True)
        ctx = StageContext(session, triage_engine, self._noise, self._clock.now(), *self._routing)
        triage = triage_stage(ctx, message)
        noise = noise_stage(ctx, message, triage)
        people_stage(ctx, message)
        disposition = routing_stage(ctx, message, triage, noise)
        case = cases_stage(ctx, message, triage, disposition, noise)
        message.state = "processed"
        return Processed(message_id, triage.priority, disposition.outcome.value, case)

    def _record_failure(self, session: Session, message_id: int, error: Exception) -> None:
        message = session.get(Message, message_id)
        if message is not None:
            message.state = "failed"
        reason = "".join(traceback.format_exception_only(error)).strip()
        session.add(
            DeadLetter(
                source="pipeline",
                reason=reason,
                raw_body=json.dumps(message.raw, default=str) if message is not None else "",
                content_type="application/json",
                message_id=message_id,
            )
        )


def _count_attempt(session: Session, message_id: int, error: Exception) -> int:
    """Count a failed attempt in the caller's transaction (outside the rolled-back savepoint)."""
    row = session.get(PipelineAttempt, message_id)
    if row is None:
        row = PipelineAttempt(message_id=message_id, attempts=0)
        session.add(row)
    row.attempts += 1
    row.last_error = "".join(traceback.format_exception_only(error)).strip()[:4000]
    row.updated_at = utc_now()
    session.flush()
    return row.attempts
