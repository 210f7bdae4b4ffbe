"""The routing and cases stages over a batch: the same rules as `routing/` and `cases/`, asked
of the cases loaded for the batch (its incidents', its authors' open ones, those it names)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from beacon.cases.lifecycle import PIPELINE, PRIORITY_ORDER, TEAM_BY_CATEGORY_PREFIX, Status
from beacon.audit.log import Action
from beacon.noise.persistence import incident_title
from beacon.pipeline.batch.context import BatchContext, Decided
from beacon.pipeline.batch.state import CASE_COLUMNS, OPEN, CaseState, Member, Record, add_member_ids
from beacon.pipeline.stages import CaseOutcome
from beacon.routing.attach import beacon_references, other_references
from beacon.routing.disposition import Disposition, Outcome, beat_of, decide_disposition, posted_by_force
from beacon.routing.incident_join import CASE_MESSAGES, JOIN_WITHIN, NOT_EVIDENCE, Where, _hours, conflict
from beacon.store.tables import Case, CaseCounter, CaseEntry, Force, Team
from beacon.store.tables_people import RoutingDecision


def case_by_reference(ctx: BatchContext, row: Any) -> tuple[CaseState, str] | None:
    """An open case of the force whose reference, or one quoted on it, is in the text."""
    for reference in beacon_references(row.text):
        case = ctx.state.case_with_reference(row.force_id, reference)
        if case is not None and case.record.status in OPEN:
            return case, f"carries the case reference {reference}"
    for reference in other_references(row.text):
        case = ctx.state.open_case_quoting(row.force_id, reference)
        if case is not None:
            return case, f"quotes {reference}, already quoted on"
    return None


def _follow_up(ctx: BatchContext, decided: Decided) -> tuple[CaseState, str] | int | None:
    if not decided.follow_up_known:
        row = decided.row
        found: tuple[CaseState, str] | int | None = case_by_reference(ctx, row)
        if found is None and row.person_id and not decided.new_person:
            found = ctx.state.open_case_of_person(row.force_id, row.person_id)
        decided.follow_up, decided.follow_up_known = found, True
    return decided.follow_up


def routing_stage(ctx: BatchContext, decided: Decided) -> Disposition:
    row, triage = decided.row, decided.triage
    assert decided.noise is not None
    disposition = decide_disposition(
        triage, decided.noise.share_of, text=row.text, from_force=posted_by_force(row),
        follows_open_case=_follow_up(ctx, decided) is not None, policy=ctx.policy,
    )
    row.disposition = disposition.outcome.value
    row.disposition_reason = disposition.reason[:500]
    ctx.writes.add(RoutingDecision, message_id=row.id, force_id=row.force_id, outcome=disposition.outcome.value,
                   rule=disposition.rule, recipient=disposition.recipient, beat=beat_of(triage),
                   need=disposition.need, reason=disposition.reason[:500], decided_at=ctx.now)
    return disposition


def cases_stage(ctx: BatchContext, decided: Decided, disposition: Disposition) -> CaseOutcome | None:
    if disposition.outcome is not Outcome.CASE:
        return None
    incident = decided.incident
    assert incident is not None
    existing = _case_to_join(ctx, decided, incident)
    if existing is not None:
        case, opened = existing[0], False
        reason = f"attached: {existing[1]} {case.record.reference}"
    else:
        case, opened = _open_case(ctx, decided), True
        reason = f"opened: {disposition.reason}"
    _attach(ctx, case, decided, reason)
    incident.set(case_id=case.record.id if opened else incident.case_id or case.record.id)
    return CaseOutcome(case.record.id, opened, reason)


def _case_to_join(ctx: BatchContext, decided: Decided, incident: Record) -> tuple[CaseState, str] | None:
    follow_up = _follow_up(ctx, decided)
    if isinstance(follow_up, tuple):
        return follow_up
    if incident.case_id is not None:
        case = ctx.state.cases[incident.case_id]  # loaded for the batch (a KeyError: one at a time)
        evidence = _incident_evidence(case, decided.row) if case.record.status in OPEN else None
        if evidence is not None:
            return case, evidence
    if isinstance(follow_up, int):
        return ctx.state.cases[follow_up], "same person's open case"
    return None


def _incident_evidence(case: CaseState, row: Any) -> str | None:
    """As `routing.incident_join.incident_evidence`, over the case's members in memory."""
    repeated = _repeats(case, row)
    if repeated is not None:
        return repeated
    members = case.members
    if not members or row.created_at - max(m.created_at for m in members) > JOIN_WITHIN:
        return None
    category = (row.categories or [None])[0]
    case_categories = {case.record.category} | {(m.categories or [None])[0] for m in members}
    if category in NOT_EVIDENCE or category not in case_categories:
        return None
    case_place, place = Where(), Where()
    for member in members:
        case_place.add(member)  # type: ignore[arg-type]
    place.add(row)
    if conflict(case_place, place) is not None:
        return None
    return f"same incident, same category ({category}), place agrees, within {_hours(JOIN_WITHIN)}:"


def _repeats(case: CaseState, row: Any) -> str | None:
    found = []
    if row.item_id is not None and row.item_id != row.id and row.item_id in case.message_ids:
        found.append(row.item_id)
    if row.reply_to and row.reply_to in case.provider_ids:
        found.append(case.provider_ids[row.reply_to])
    return f"repeats message {min(found)}, already on" if found else None


def _attach(ctx: BatchContext, case: CaseState, decided: Decided, reason: str) -> None:
    row, record = decided.row, case.record
    row.case_id = record.id
    if row.priority and PRIORITY_ORDER.index(row.priority) < PRIORITY_ORDER.index(record.priority):
        record.set(priority=row.priority)
    if record.status == Status.WAITING.value:
        record.set(status=Status.OPEN.value)  # the citizen answered
    record.set(updated_at=ctx.now)
    ctx.writes.add(CaseEntry, case_id=record.id, kind="message_in" if row.direction == "in" else "message_out",
                   message_id=row.id, user_id=None, body=row.text, data={"reason": reason}, created_at=ctx.now)
    ctx.audit.add(actor=PIPELINE, action=Action.CHANGED, object_type="case", object_id=record.id, at=ctx.now,
                  force_id=record.force_id, reason=reason[:1000],
                  data={"message_id": row.id, "field": "timeline"})
    add_member_ids(case, row.id, row.provider_message_id)
    if row.direction == "in":
        case.members.append(Member(row.id, row.created_at, row.categories, row.triage, row.text))
        case.members.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        del case.members[CASE_MESSAGES:]


def _open_case(ctx: BatchContext, decided: Decided) -> CaseState:
    row, triage = decided.row, decided.triage
    category = triage.categories[0] if triage.categories else None
    team = TEAM_BY_CATEGORY_PREFIX.get((category or "").split(".")[0], "General")
    values = dict.fromkeys(CASE_COLUMNS)
    values.update(
        id=ctx.ids.next(Case.__table__), force_id=row.force_id, team_id=_team_id(ctx, row.force_id, team),
        reference=_next_reference(ctx, row.force_id), title=incident_title(row.text),  # the same title rule
        status=Status.NEW.value, priority=triage.priority, category=category,
        vulnerable=bool(triage.vulnerabilities), person_id=row.person_id, created_at=ctx.now,
        first_contact_at=min(row.created_at, ctx.now), updated_at=ctx.now,
    )
    case = ctx.state.cases[values["id"]] = CaseState(Record(values, new=True))
    ctx.audit.add(actor=PIPELINE, action=Action.CREATED, object_type="case", object_id=values["id"], at=ctx.now,
                  force_id=row.force_id, reason=f"opened from message {row.id}",
                  data={"message_id": row.id, "priority": values["priority"]})
    return case


def _team_id(ctx: BatchContext, force_id: int, name: str) -> int | None:
    if ctx.teams is None:
        ctx.teams = {(f, n): i for i, f, n in ctx.session.execute(select(Team.id, Team.force_id, Team.name))}
    return ctx.teams.get((force_id, name))


# ---- case references: a block of the day's counter per batch ------------------------------------


def _next_reference(ctx: BatchContext, force_id: int) -> str:
    """PREFIX-YYMMDD-NNNN as `cases.lifecycle.next_reference`: the first of the batch counts in the
    store (one upsert), the rest in memory; `finish_references` writes how many were used."""
    if ctx.forces is None:
        ctx.forces = dict(ctx.session.execute(select(Force.id, Force.case_prefix)).all())
    day = ctx.now.strftime("%y%m%d")
    counter = ctx.counters.get((force_id, day))
    if counter is None:
        value = _count(ctx, force_id, day, 1)
        counter = ctx.counters[(force_id, day)] = [value, value]
    else:
        counter[1] += 1
    return f"{ctx.forces[force_id]}-{day}-{counter[1]:04d}"


def finish_references(ctx: BatchContext) -> None:
    for (force_id, day), (first, last) in ctx.counters.items():
        if last > first and _count(ctx, force_id, day, last - first) != last:
            raise RuntimeError("case references were taken by another writer during the batch")


def _count(ctx: BatchContext, force_id: int, day: str, by: int) -> int:
    insert = postgresql.insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(CaseCounter).values(force_id=force_id, day=day, value=by)
    return int(ctx.session.scalar(
        statement.on_conflict_do_update(index_elements=[CaseCounter.force_id, CaseCounter.day],
                                        set_={"value": CaseCounter.value + by})
        .returning(CaseCounter.value)
    ))
