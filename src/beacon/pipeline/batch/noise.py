"""The noise stage over a batch: the trackers decide every message in order (pure, in memory),
then the decisions are applied to the incidents and items loaded for their keys in one query."""

from __future__ import annotations

from beacon.noise.decisions import NoiseDecision
from beacon.noise.persistence import PRIORITY_NAMES, REPEATS, NoiseOutcome, incident_title
from beacon.pipeline.batch.context import BatchContext, Decided
from beacon.pipeline.batch.state import INCIDENT_COLUMNS, Record, load_noise
from beacon.store.tables_noise import IncidentRow, NoiseLogEntry


def noise_stage(ctx: BatchContext, batch: list[Decided]) -> None:
    decisions: list[NoiseDecision] = []
    for decided in batch:
        beat = (decided.triage.place or {}).get("beat")
        decision, step = ctx.noise.decide(ctx.session, decided.row, decided.triage.priority, beat)
        ctx.writes.add(NoiseLogEntry, **step)
        decisions.append(decision)
    load_noise(ctx.session, ctx.state,
               {(d.row.force_id, n.incident_id) for d, n in zip(batch, decisions)},
               {(d.row.force_id, n.item_id) for d, n in zip(batch, decisions) if not n.new_item}
               | {(d.row.force_id, n.near_copy_of) for d, n in zip(batch, decisions) if n.near_copy_of})
    by_id = {d.row.id: d for d in batch}
    for decided, decision in zip(batch, decisions):
        item_id = _record_item(ctx, decided, decision, by_id)
        incident = decided.incident = _record_incident(ctx, decided, decision)
        repeat = decision.kind in REPEATS and not decision.alert and item_id != decided.row.id
        share_of = item_id if repeat else None
        if decision.near_copy_of and not decision.alert:  # an edited copy repeats that post
            share_of = ctx.state.first_sighting.get((decided.row.force_id, decision.near_copy_of))
        decided.noise = NoiseOutcome(item_id, share_of, incident.id, decision.kind.value, decision.alert)


def _record_item(ctx: BatchContext, decided: Decided, decision: NoiseDecision, by_id: dict[int, Decided]) -> int:
    """The message standing for the item: this one when new, else its lowest id (as the store's
    first sighting query answers, the batch's own earlier messages included)."""
    row = decided.row
    key = (row.force_id, decision.item_id)
    row.item_key = decision.item_id
    stored = ctx.state.first_sighting.get(key)
    first = row.id if decision.new_item or stored is None or stored > row.id else stored
    if key not in ctx.state.first_sighting or first < ctx.state.first_sighting[key]:
        ctx.state.first_sighting[key] = first
    row.item_id = first
    count = decision.item_shares + decision.item_copies
    if first in by_id:
        by_id[first].row.share_count = count
    else:
        ctx.writes.shares[first] = count
    return first


def _record_incident(ctx: BatchContext, decided: Decided, decision: NoiseDecision) -> Record:
    row = decided.row
    record = ctx.state.incidents.get((row.force_id, decision.incident_id))
    if record is None:
        values = dict.fromkeys(INCIDENT_COLUMNS)
        values.update(id=ctx.ids.next(IncidentRow.__table__), force_id=row.force_id, key=decision.incident_id,
                      title=incident_title(row.text), first_message_id=row.id, first_at=row.created_at,
                      last_at=row.created_at, surging=False, messages=0, reports=0, reporters=0)
        record = ctx.state.incidents[(row.force_id, decision.incident_id)] = Record(values, new=True)
    record.set(
        last_at=max(record.last_at, row.created_at) if record.last_at else row.created_at,
        messages=decision.incident_messages, reports=decision.incident_reports,
        reporters=decision.incident_reporters,
        priority=PRIORITY_NAMES.get(decision.incident_priority or 0),
        attention=PRIORITY_NAMES.get(decision.attention or 0), surging=decision.surging,
    )
    row.incident_id = record.id
    return record
