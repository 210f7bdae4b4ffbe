"""The named stages after intake: triage, noise, people, routing, cases.

Each stage is a function of the message (and what earlier stages decided) that returns its own
decision and records it on the stored message. They run inside one transaction per message, so a
message is either fully processed or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from beacon.cases.lifecycle import OPEN_STATUSES, attach_message, open_case
from beacon.messages import Place
from beacon.people.observe import observe_author
from beacon.people.settings import PeopleSettings
from beacon.routing.attach import FollowUp, Match, case_to_join, follow_up_case, remember_references
from beacon.routing.disposition import (
    Disposition, Outcome, beat_of, decide_disposition, posted_by_force,
)
from beacon.routing.policy import Policy
from beacon.routing.record import record_decision
from beacon.noise.persistence import NoiseOutcome, NoiseService
from beacon.store.tables import Message
from beacon.store.tables_noise import IncidentRow
from beacon.triage.result import TriageResult


OPEN_STATUS_VALUES = {status.value for status in OPEN_STATUSES}

# _NO_AUTOFLUSH: the people and routing stages query with autoflush off, so the message's own
# changes (incident, person, disposition) are written in one UPDATE when its savepoint ends
# rather than in one flush per query. That is safe because their queries read other messages,
# identities, keys and cases, which are flushed when created; the one count that includes this
# message matches it by id (people/repeat.py). New identities still flush at once (their ids).


class Triager(Protocol):
    """What the pipeline needs of a triage engine (beacon.triage.TriageEngine in production)."""

    def triage(self, text: str, *, language: str | None = None, place: Place | None = None) -> TriageResult: ...


@dataclass
class StageContext:
    session: Session
    triage_engine: Triager
    noise: NoiseService
    now: datetime
    policy: Policy | None = None  # the force's routing policy (None: the shipped one)
    people: PeopleSettings | None = None  # the force's people settings (None: the shipped ones)
    # The open case the message follows up, once routing has asked: the cases stage needs the
    # same answer, and nothing between the two stages writes cases or references.
    follow_up: FollowUp | None = field(default=None, init=False)
    follow_up_known: bool = field(default=False, init=False)
    new_author: bool = field(default=False, init=False)  # the people stage created their person


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
    """The author's person: strong keys link channels; weaker evidence becomes a candidate."""
    with ctx.session.no_autoflush:  # see _NO_AUTOFLUSH
        resolution = observe_author(ctx.session, message, ctx.now, ctx.people)
    ctx.new_author = resolution.new_person
    return resolution.person_id


def routing_stage(
    ctx: StageContext, message: Message, triage: TriageResult, noise: NoiseOutcome
) -> Disposition:
    """The force's routing policy decides: close, share (to whom), monitor (counted) or case."""
    with ctx.session.no_autoflush:  # see _NO_AUTOFLUSH
        follows = _follow_up(ctx, message) is not None
    disposition = decide_disposition(
        triage, noise.share_of, text=message.text, from_force=posted_by_force(message),
        follows_open_case=follows, policy=ctx.policy,
    )
    record_decision(ctx.session, message, disposition, beat_of(triage), ctx.now)
    return disposition


def cases_stage(
    ctx: StageContext, message: Message, triage: TriageResult, disposition: Disposition,
    noise: NoiseOutcome,
) -> CaseOutcome | None:
    """Attach to the case the message belongs to (reference, incident, person); else open one."""
    if disposition.outcome is not Outcome.CASE:
        return None
    incident = ctx.session.get_one(IncidentRow, noise.incident_id)
    existing = _case_to_join(ctx, message, incident)
    if existing is not None:
        case, opened = existing.case, False
        reason = f"attached: {existing.why} {case.reference}"
    else:
        case, opened = open_case(ctx.session, message, triage, message.person_id, ctx.now), True
        reason = f"opened: {disposition.reason}"
    attach_message(ctx.session, case, message, reason, ctx.now)
    incident.case_id = case.id if opened else incident.case_id or case.id
    remember_references(ctx.session, case, message)
    return CaseOutcome(case.id, opened, reason)


def _case_to_join(ctx: StageContext, message: Message, incident: IncidentRow) -> Match | None:
    return case_to_join(ctx.session, message, incident, _follow_up(ctx, message))


def _follow_up(ctx: StageContext, message: Message) -> FollowUp | None:
    if not ctx.follow_up_known:
        ctx.follow_up, ctx.follow_up_known = follow_up_case(ctx.session, message, ctx.new_author), True
    return ctx.follow_up
