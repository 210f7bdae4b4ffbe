"""The named stages after intake: triage, noise, people, routing, cases.

Each stage is a function of the message (and what earlier stages decided) that returns its own
decision and records it on the stored message. They run inside one transaction per message, so a
message is either fully processed or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from beacon.cases.lifecycle import OPEN_STATUSES, attach_message, open_case, open_case_for_person
from beacon.messages import Place
from beacon.people.identities import resolve_person
from beacon.routing.disposition import Disposition, Outcome, decide_disposition
from beacon.noise.persistence import NoiseOutcome, NoiseService
from beacon.store.tables import Case, Message
from beacon.store.tables_noise import IncidentRow
from beacon.triage.result import TriageResult


OPEN_STATUS_VALUES = {status.value for status in OPEN_STATUSES}


class Triager(Protocol):
    """What the pipeline needs of a triage engine (beacon.triage.TriageEngine in production)."""

    def triage(self, text: str, *, language: str | None = None, place: Place | None = None) -> TriageResult: ...


@dataclass
class StageContext:
    session: Session
    triage_engine: Triager
    noise: NoiseService
    now: datetime


@dataclass(frozen=True)
class CaseOutcome:
    case_id: int
    opened: bool
    reason: str


def triage_stage(ctx: StageContext, message: Message) -> TriageResult:
    place = Place.model_validate(message.place) if message.place else None
    result = ctx.triage_engine.triage(message.text, language=message.language, place=place)
    message.priority = result.priority
    message.urgency = result.urgency
    message.categories = list(result.categories)
    message.triage = result.to_dict()
    return result


def noise_stage(ctx: StageContext, message: Message, triage: TriageResult) -> NoiseOutcome:
    """Shares and near-copies join their item; independent reports join their incident."""
    beat = (triage.place or {}).get("beat")
    return ctx.noise.observe(ctx.session, message, triage.priority, beat)


def people_stage(ctx: StageContext, message: Message) -> int:
    message.person_id = resolve_person(ctx.session, message)
    return message.person_id


def routing_stage(
    ctx: StageContext, message: Message, triage: TriageResult, noise: NoiseOutcome
) -> Disposition:
    disposition = decide_disposition(triage, noise.share_of)
    message.disposition = disposition.outcome.value
    message.disposition_reason = disposition.reason
    return disposition


def cases_stage(
    ctx: StageContext, message: Message, triage: TriageResult, disposition: Disposition,
    noise: NoiseOutcome,
) -> CaseOutcome | None:
    """Attach to the incident's or the person's open case when there is one; else open a case."""
    if disposition.outcome is not Outcome.CASE:
        return None
    incident = ctx.session.get_one(IncidentRow, noise.incident_id)
    existing, why = _case_to_join(ctx, message, incident)
    if existing is not None:
        reason = f"attached: {why} {existing.reference}"
        attach_message(ctx.session, existing, message, reason, ctx.now)
        incident.case_id = incident.case_id or existing.id
        return CaseOutcome(existing.id, False, reason)
    case = open_case(ctx.session, message, triage, message.person_id, ctx.now)
    incident.case_id = case.id
    reason = f"opened: {disposition.reason}"
    attach_message(ctx.session, case, message, reason, ctx.now)
    return CaseOutcome(case.id, True, reason)


def _case_to_join(ctx: StageContext, message: Message, incident: IncidentRow) -> tuple[Case | None, str]:
    if incident.case_id is not None:
        case = ctx.session.get_one(Case, incident.case_id)
        if case.status in OPEN_STATUS_VALUES:
            return case, "same incident's open case"
    if message.person_id:
        case = open_case_for_person(ctx.session, message.force_id, message.person_id)
        if case is not None:
            return case, "same person's open case"
    return None, ""
