"""The 360° view of a person: every identity, every message on every channel in one timeline,
their cases, markers, repeat-contact flags, candidate matches and merge history.

Read-only; every query is scoped to the viewer's force (another force's person is None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, person_is_hidden, visible_cases, visible_messages
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.people.candidates import candidates_of
from beacon.people.markers import active_markers
from beacon.store.tables import Case, CaseEntry, Identity, Message, Person
from beacon.store.tables_people import ContactFlag, PersonCandidate, PersonMarker, PersonMerge

OPEN = {status.value for status in OPEN_STATUSES}
TIMELINE_LIMIT = 500  # a page, not an export: the most prolific demo person has under 40


@dataclass(frozen=True)
class Contact:
    """One message on the person's timeline, with the case it is in (if any)."""

    message: Message
    case: Case | None
    attach_reason: str | None = None  # why it went to that case ("attached: quotes WB-…"), or moved


@dataclass(frozen=True)
class Candidate:
    """A candidate match seen from this person: the other person and what links them."""

    row: PersonCandidate
    other: Person | None
    other_identities: list[Identity]


@dataclass
class PersonView:
    person: Person
    identities: list[Identity]
    timeline: list[Contact]
    open_cases: list[Case]
    past_cases: list[Case]
    markers: list[PersonMarker]
    flags: list[ContactFlag]
    candidates: list[Candidate]
    merges: list[PersonMerge]
    channels: list[str] = field(default_factory=list)


def get_person(session: Session, force_id: int, person_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.id == person_id, Person.force_id == force_id))


def person_view(session: Session, access: Access, person_id: int) -> PersonView | None:
    """The person as `access`'s user may see them: a restricted team's cases and their messages
    are left out for whoever is not in it (the person page answers 404 before, when that is all)."""
    force_id = access.force_id
    person = get_person(session, force_id, person_id)
    if person is None:
        return None
    identities = list(session.scalars(select(Identity).where(Identity.person_id == person.id).order_by(Identity.id)))
    cases = list(session.scalars(
        select(Case).where(visible_cases(access), Case.person_id == person.id).order_by(Case.created_at.desc())
    ))
    return PersonView(
        person=person,
        identities=identities,
        timeline=timeline(session, access, person.id),
        open_cases=[c for c in cases if c.status in OPEN],
        past_cases=[c for c in cases if c.status not in OPEN],
        markers=active_markers(session, person.id),
        flags=list(session.scalars(
            select(ContactFlag).where(ContactFlag.person_id == person.id)
            .order_by(ContactFlag.created_at.desc(), ContactFlag.id.desc()).limit(50)
        )),
        candidates=[c for c in candidates(session, force_id, person.id)
                    if c.other is None or not person_is_hidden(session, access, c.other.id)],
        merges=merges_of(session, force_id, person.id),
        channels=sorted({i.channel for i in identities}),
    )


def timeline(session: Session, access: Access, person_id: int, limit: int = TIMELINE_LIMIT) -> list[Contact]:
    """The person's messages `access`'s user may see, every channel, newest first, each with its case."""
    rows = session.execute(
        select(Message, Case)
        .outerjoin(Case, Case.id == Message.case_id)
        .where(visible_messages(access), Message.person_id == person_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    found = list(rows)
    reasons = _attach_reasons(session, [message.id for message, _ in found])
    return [Contact(message, case, reasons.get(message.id)) for message, case in found]


def _attach_reasons(session: Session, message_ids: list[int]) -> dict[int, str]:
    """The latest case-entry reason per message: the pipeline's attach decision, or a move."""
    reasons: dict[int, str] = {}
    rows = session.execute(
        select(CaseEntry.message_id, CaseEntry.data)
        .where(CaseEntry.message_id.in_(message_ids), CaseEntry.kind.in_(("message_in", "moved")))
        .order_by(CaseEntry.id)
    )
    for message_id, data in rows:
        if message_id is not None and data and data.get("reason"):
            reasons[message_id] = str(data["reason"])
    return reasons


def candidates(session: Session, force_id: int, person_id: int) -> list[Candidate]:
    found = []
    for row in candidates_of(session, force_id, person_id):
        other_id = row.other_person_id if row.person_id == person_id else row.person_id
        other = get_person(session, force_id, other_id)
        others = list(session.scalars(select(Identity).where(Identity.person_id == other_id).order_by(Identity.id)))
        found.append(Candidate(row, other, others))
    return found


def merges_of(session: Session, force_id: int, person_id: int) -> list[PersonMerge]:
    return list(session.scalars(
        select(PersonMerge)
        .where(PersonMerge.force_id == force_id,
               or_(PersonMerge.survivor_id == person_id, PersonMerge.absorbed_id == person_id))
        .order_by(PersonMerge.created_at.desc(), PersonMerge.id.desc())
    ))


def contact_json(contact: Contact) -> dict[str, Any]:
    """A timeline entry as the API shows it."""
    message, case = contact.message, contact.case
    return {
        "message_id": message.id, "at": message.created_at.isoformat(), "channel": message.channel,
        "author": message.author_name or message.author_handle or message.author_id,
        "text": message.text, "priority": message.priority, "categories": list(message.categories or []),
        "disposition": message.disposition, "disposition_reason": message.disposition_reason,
        "case_id": case.id if case else None, "case_reference": case.reference if case else None,
        "attach_reason": contact.attach_reason,
    }
