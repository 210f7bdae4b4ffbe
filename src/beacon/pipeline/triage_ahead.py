"""Triage a batch before the noise lock is taken, so only the order-sensitive stages serialise.

Triage is pure and CPU-bound; the noise stage and what follows it must run one transaction at a
time per force (see beacon.noise.log). Workers triage their batches in parallel, then queue for
the force's lock with the results in hand.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.messages import Place
from beacon.pipeline.stages import Triager
from beacon.store.tables import Message
from beacon.triage.result import TriageResult

log = logging.getLogger(__name__)

_Key = tuple[str, str | None, str | None]


class TriagedAhead:
    """A `Triager` that answers from results computed ahead, and asks the engine otherwise."""

    def __init__(self, engine: Triager) -> None:
        self._engine = engine
        self._results: dict[_Key, TriageResult] = {}

    def triage(self, text: str, *, language: str | None = None, place: Place | None = None) -> TriageResult:
        found = self._results.get(_key(text, language, place))
        return found if found is not None else self._engine.triage(text, language=language, place=place)

    def prepare(self, session: Session, message_ids: Sequence[int]) -> set[int]:
        """Triage the batch's unprocessed messages; returns their forces (the locks to take)."""
        rows = session.execute(
            select(Message.force_id, Message.text, Message.language, Message.place)
            .where(Message.id.in_(list(message_ids)), Message.state == "received")
        )
        forces = set()
        for row in rows:
            forces.add(row.force_id)
            place = _place(row.place)
            try:
                result = self._engine.triage(row.text, language=row.language, place=place)
            except Exception:  # noqa: BLE001 - the stage asks again and dead-letters the message
                log.debug("triage ahead failed; the stage will retry", exc_info=True)
                continue
            self._results[_key(row.text, row.language, place)] = result
        return forces


def _place(value: Any) -> Place | None:
    try:
        return Place.model_validate(value) if value else None
    except ValueError:
        return None  # the stage validates again and fails the message there


def _key(text: str, language: str | None, place: Place | None) -> _Key:
    return text, language, place.model_dump_json() if place is not None else None
