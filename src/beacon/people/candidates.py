"""Candidate matches: two persons who may be one, with the evidence, for a person to decide.

Evidence is weak on purpose: a phone number or address written in a message (people pass on
others' numbers), a case or crime reference quoted by someone else. A similar full name adds to
such evidence but never proposes a match alone: in the demo night 90 of 91 name-only matches
were different people. Nothing links by itself; a handler confirms (which merges, with a basis)
or rejects (which is remembered).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.people.errors import NotFound, Refused
from beacon.people.identities import person_holding
from beacon.people.merges import merge_persons
from beacon.people.normalise import comparable_name, keys_in_text
from beacon.people.settings import PeopleSettings
from beacon.routing.attach import case_by_reference, other_references
from beacon.store.tables import Identity, Message
from beacon.store.tables_people import PersonCandidate, QuotedReference

SIMILAR_NAME = 90  # rapidfuzz token-sort ratio from which two names count as evidence


def gather_evidence(session: Session, message: Message, now: datetime) -> list[PersonCandidate]:
    """Record candidate matches suggested by this message; returns the candidates touched."""
    assert message.person_id is not None
    found: dict[int, list[dict[str, Any]]] = {}
    for key in keys_in_text(message.text):
        holder = person_holding(session, message.force_id, key)
        if holder is not None and holder != message.person_id:
            found.setdefault(holder, []).append(
                _evidence(f"{key.kind}_in_text", f"a {key.kind} written in the message is theirs", message))
    for other, evidence in _shared_references(session, message).items():
        found.setdefault(other, []).extend(evidence)
    # Names alone are too common to propose a match (see the docs): they only add to other
    # evidence, so without any there is nothing to look up.
    for other, evidence in (_same_full_name(session, message) if found else {}).items():
        if other in found:
            found[other].extend(evidence)
    return [_record(session, message, other, evidence, now) for other, evidence in found.items()]


def decide(
    session: Session, force_id: int, candidate_id: int, *, confirm: bool, actor: Actor,
    reason: str, basis: str | None, now: datetime, people: PeopleSettings | None = None,
) -> PersonCandidate:
    """Confirm (merge the two persons, on `basis`) or reject a candidate; audited either way."""
    candidate = session.get(PersonCandidate, candidate_id)
    if candidate is None or candidate.force_id != force_id:
        raise NotFound(f"candidate {candidate_id}")
    if candidate.status != "open":
        raise Refused(f"this candidate was already {candidate.status}")
    if confirm:
        merge = merge_persons(session, force_id, candidate.person_id, candidate.other_person_id,
                              actor=actor, basis=basis or "", reason=reason, now=now, people=people)
        candidate.merge_id = merge.id
    elif not reason.strip():
        raise Refused("say why they are not the same person")
    candidate.status = "confirmed" if confirm else "rejected"
    candidate.decided_by_name, candidate.decided_at, candidate.decision_reason = actor.name, now, reason
    append_event(session, actor=actor, action=Action.CHANGED, object_type="person_candidate",
                 object_id=candidate.id, at=now, force_id=force_id, reason=f"{candidate.status}: {reason}",
                 data={"person_id": candidate.person_id, "other_person_id": candidate.other_person_id})
    return candidate


def candidates_of(session: Session, force_id: int, person_id: int) -> list[PersonCandidate]:
    return list(session.scalars(
        select(PersonCandidate)
        .where(PersonCandidate.force_id == force_id,
               or_(PersonCandidate.person_id == person_id, PersonCandidate.other_person_id == person_id))
        .order_by(PersonCandidate.id)
    ))


def _shared_references(session: Session, message: Message) -> dict[int, list[dict[str, Any]]]:
    """Other persons who quoted a reference this message quotes, or own the case it names."""
    found: dict[int, list[dict[str, Any]]] = {}
    by_case = case_by_reference(session, message)
    owner = by_case.case.person_id if by_case is not None else None
    if by_case is not None and owner is not None and owner != message.person_id:
        found.setdefault(owner, []).append(
            _evidence("case_reference", f"{by_case.why} {by_case.case.reference}", message))
    references = other_references(message.text)
    if not references:
        return found
    rows = session.execute(
        select(QuotedReference.reference, Message.person_id)
        .join(Message, Message.id == QuotedReference.message_id)
        .where(QuotedReference.force_id == message.force_id, QuotedReference.reference.in_(references),
               Message.person_id.is_not(None), Message.person_id != message.person_id)
    )
    for reference, person_id in rows:
        if person_id is not None:
            found.setdefault(person_id, []).append(_evidence("case_reference", f"both quoted {reference}", message))
    return found


def _same_full_name(session: Session, message: Message) -> dict[int, list[dict[str, Any]]]:
    """Other persons whose identity has a similar full name (two words at least)."""
    name = comparable_name(message.author_name)
    if len(name.split()) < 2:
        return {}
    surname = name.split()[-1]
    rows = session.execute(
        select(Identity.person_id, Identity.display_name)
        .where(Identity.force_id == message.force_id, Identity.person_id != message.person_id,
               Identity.display_name.ilike(f"%{surname}%"))
        .limit(200)
    )
    return similar_name_evidence(name, rows, message.id)


def similar_name_evidence(name: str, others: Iterable[tuple[int, str | None]], message_id: int
                          ) -> dict[int, list[dict[str, Any]]]:
    """Per other person, the first of their names (of `others`: person id, display name) that
    matches `name` (already comparable) by SIMILAR_NAME or more, as candidate evidence."""
    found: dict[int, list[dict[str, Any]]] = {}
    for person_id, other_name in others:
        score = fuzz.token_sort_ratio(name, comparable_name(other_name))
        if score >= SIMILAR_NAME and person_id not in found:
            found[person_id] = [{"kind": "similar_name", "detail": f"names match {score:.0f}%", "message_id": message_id}]
    return found


def _evidence(kind: str, detail: str, message: Message) -> dict[str, Any]:
    return {"kind": kind, "detail": detail, "message_id": message.id}


def _record(session: Session, message: Message, other: int, evidence: list[dict[str, Any]], now: datetime) -> PersonCandidate:
    assert message.person_id is not None
    low, high = sorted((message.person_id, other))
    candidate = session.scalar(select(PersonCandidate).where(
        PersonCandidate.force_id == message.force_id, PersonCandidate.person_id == low,
        PersonCandidate.other_person_id == high))
    if candidate is None:
        candidate = PersonCandidate(force_id=message.force_id, person_id=low, other_person_id=high,
                                    evidence=[], status="open", created_at=now)
        session.add(candidate)
    known = {(e["kind"], e["detail"]) for e in candidate.evidence}
    candidate.evidence = candidate.evidence + [e for e in evidence if (e["kind"], e["detail"]) not in known]
    session.flush()
    return candidate
