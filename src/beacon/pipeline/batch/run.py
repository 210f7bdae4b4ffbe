"""Run the ordered stages over a whole batch in memory and write it in one go.

1. Read the batch's messages (one query) and triage them all, before any lock: triage is pure.
2. Take each force's noise lock, read the messages again locked (PostgreSQL), keep the received.
3. Noise for every message in order (the trackers are in memory), then the incidents and items
   its decisions name (one query each); every author's identity and person (two queries); the
   references, contact history and cases the batch may need (one query each).
4. People, routing and cases for each message in order, against that state, updated as it goes.
5. Write: one executemany statement per table, the audit chain extended once; the caller commits.

Anything that goes wrong raises: `Pipeline.process_in` rolls the batch back (its savepoint) and
processes the messages one at a time, so a poison message is isolated and dead-lettered alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from beacon.noise.persistence import NoiseService
from beacon.people.settings import PeopleSettings
from beacon.pipeline.batch.cases import cases_stage, finish_references, routing_stage
from beacon.pipeline.batch.context import BatchContext, Decided
from beacon.pipeline.batch.noise import noise_stage
from beacon.pipeline.batch.people import people_stage, record_references, resolve_authors
from beacon.pipeline.batch.rows import load_rows
from beacon.pipeline.batch.triage_record import BatchTriage
from beacon.pipeline.batch.state import load_cases, load_references
from beacon.pipeline.batch.writes import write_all
from beacon.pipeline.stages import CaseOutcome, Triager
from beacon.routing.attach import beacon_references, other_references
from beacon.routing.policy import Policy


@dataclass(frozen=True)
class Outcome:
    priority: str | None
    disposition: str | None
    case: CaseOutcome | None
    skipped: bool


def run_batch(session: Session, message_ids: Sequence[int], triager: Triager, noise: NoiseService,
              now: datetime, policy: Policy | None = None,
              people: PeopleSettings | None = None) -> list[Outcome]:
    """The batch's outcomes in the order of `message_ids`; raises rather than half-deciding."""
    session.flush()  # the caller's own pending changes (an audit event) come before the batch's
    rows = load_rows(session, message_ids, lock=False)
    missing = set(message_ids) - set(rows)
    if missing:
        raise LookupError(f"messages {sorted(missing)} are not stored")
    triage = BatchTriage(triager)
    triaged = {row.id: triage.triage(row.text, row.language, row.place)
               for row in rows.values() if row.state == "received"}
    noise.hold(session, {rows[i].force_id for i in triaged})
    if session.get_bind().dialect.name == "postgresql":
        rows = load_rows(session, message_ids, lock=True)  # after the noise lock, as one at a time
    ordered = list(dict.fromkeys(message_ids))
    batch = [Decided(rows[i], *triaged[i]) for i in ordered if rows[i].state == "received" and i in triaged]
    ctx = BatchContext(session, noise, now, policy, people)
    outcomes = _decide(ctx, batch)
    finish_references(ctx)
    write_all(session, ctx.writes, ctx.state, [d.row for d in batch])
    ctx.audit.write()
    seen: set[int] = set()
    results = []
    for message_id in message_ids:
        row = rows[message_id]
        fresh = message_id in outcomes and message_id not in seen
        seen.add(message_id)
        results.append(Outcome(row.priority, row.disposition, outcomes[message_id] if fresh else None, not fresh))
    return results


def _decide(ctx: BatchContext, batch: list[Decided]) -> dict[int, CaseOutcome | None]:
    for decided in batch:
        row, result = decided.row, decided.triage
        row.priority, row.urgency, row.categories = result.priority, result.urgency, list(result.categories)
        row.triage = decided.record
    noise_stage(ctx, batch)
    resolve_authors(ctx, batch)
    load_references(ctx.session, ctx.state, {r for d in batch for r in other_references(d.row.text)})
    load_cases(
        ctx.session, ctx.state,
        case_ids={d.incident.case_id for d in batch if d.incident is not None and d.incident.case_id is not None},
        person_ids={d.row.person_id for d in batch if d.row.person_id is not None and not d.new_person},
        references={r for d in batch for r in beacon_references(d.row.text)},
        item_ids={d.row.item_id for d in batch if d.row.item_id is not None and d.row.item_id != d.row.id},
        reply_tos={d.row.reply_to for d in batch if d.row.reply_to},
    )
    outcomes: dict[int, CaseOutcome | None] = {}
    for decided in batch:
        people_stage(ctx, decided)
        disposition = routing_stage(ctx, decided)
        outcomes[decided.row.id] = cases_stage(ctx, decided, disposition)
        record_references(ctx, decided)
        decided.row.state = "processed"
    return outcomes
