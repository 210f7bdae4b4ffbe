"""The named stages after intake: triage, noise, people, routing, cases.

Each stage is a function of the message (and what earlier stages decided) that returns its own
decision and records it on the stored message. They run inside one transaction per message, so a
message is either fully processed or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.cases.lifecycle import attach_message, open_case, open_case_for_person
from beacon.messages import Place
from beacon.people.identities import resolve_person
from beacon.routing.disposition import Disposition, Outcome, decide_disposition
from beacon.store.tables import Message
from beacon.triage.result import TriageResult


class Triager(Protocol):
    """What the pipeline needs of a triage engine (beacon.triage.TriageEngine in production)."""

    def triage(self, text: str, *, language: str | None = None, place: Place | None = None) -> TriageResult: ...


@dataclass
class StageContext:
    session: Session
    triage_engine: Triager
    now: datetime


@dataclass(frozen=True)
class NoiseOutcome:
    item_id: int
    share_of: int | None  # the original message this one repeats, if any


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


def noise_stage(ctx: StageContext, message: Message) -> NoiseOutcome:
    """Collapse an exact share (retweet, share) onto the stored post it repeats."""
    original = _original_of(ctx.session, message) if message.shared_of else None
    if original is None:
        message.item_id = message.id
        return NoiseOutcome(message.id, None)
    root_id = original.item_id or original.id
    root = ctx.session.get_one(Message, root_id)
    root.share_count += 1
    message.item_id = root_id
    return NoiseOutcome(root_id, root_id)


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
    ctx: StageContext, message: Message, triage: TriageResult, disposition: Disposition
) -> CaseOutcome | None:
    """Attach to the person's open case when there is one; otherwise open a new case."""
    if disposition.outcome is not Outcome.CASE:
        return None
    existing = (
        open_case_for_person(ctx.session, message.force_id, message.person_id)
        if message.person_id
        else None
    )
    if existing is not None:
        reason = f"attached: same person's open case {existing.reference}"
        attach_message(ctx.session, existing, message, reason, ctx.now)
        return CaseOutcome(existing.id, False, reason)
    case = open_case(ctx.session, message, triage, message.person_id, ctx.now)
    reason = f"opened: {disposition.reason}"
    attach_message(ctx.session, case, message, reason, ctx.now)
    return CaseOutcome(case.id, True, reason)


def _original_of(session: Session, message: Message) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.force_id == message.force_id,
            Message.channel == message.channel,
            Message.provider_message_id == message.shared_of,
            Message.id != message.id,
        )
    )
