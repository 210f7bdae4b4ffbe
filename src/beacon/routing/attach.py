"""Attach instead of duplicate: which open case a message belongs to, and why.

In order: a Beacon case reference written in the text (BC-261128-0042; a merged case's leads
to the case it was merged into), a reference the citizen quoted before on an open case (a crime
number such as WB-46103-25), the open case of the incident the message belongs to when the
evidence is strong (`routing/incident_join.py`), the author's own open case. Only when none
applies is a new case opened. References only ever match cases of the message's own force.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beacon.cases.case_merges import survivor_of
from beacon.cases.lifecycle import OPEN_STATUSES, open_case_id_for_person
from beacon.routing.incident_join import incident_evidence
from beacon.store.tables import Case, Message
from beacon.store.tables_noise import IncidentRow
from beacon.store.tables_people import QuotedReference

OPEN_STATUS_VALUES = tuple(status.value for status in OPEN_STATUSES)
BEACON_REFERENCE = re.compile(r"\b([A-Z]{1,8})[-\s]?(\d{6})[-\s]?(\d{4})\b", re.IGNORECASE)
# Crime and incident numbers citizens quote: letters, a separator, digits, maybe a year.
OTHER_REFERENCE = re.compile(r"\b([A-Z]{1,4})[-/](\d{4,8})(?:[-/](\d{2,4}))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    case: Case
    why: str


@dataclass(frozen=True)
class FollowUp:
    """The open case a message follows up, as routing finds it: one named by a reference in its
    text, else its author's own, kept by id (the cases stage loads it only to attach to it)."""

    by_reference: Match | None = None
    own_case_id: int | None = None


def beacon_references(text: str) -> list[str]:
    return list(dict.fromkeys(f"{a.upper()}-{b}-{c}" for a, b, c in BEACON_REFERENCE.findall(text)))


def other_references(text: str) -> list[str]:
    found = [m.group(0).upper().replace("/", "-") for m in OTHER_REFERENCE.finditer(text)]
    beacon = set(beacon_references(text))
    return [ref for ref in dict.fromkeys(found) if ref not in beacon]


def case_by_reference(session: Session, message: Message) -> Match | None:
    """An open case of this force whose reference, or a reference quoted on it, is in the text."""
    for reference in beacon_references(message.text):
        case = session.scalar(select(Case).where(Case.reference == reference, Case.force_id == message.force_id))
        if case is not None and case.status not in OPEN_STATUS_VALUES:
            case = _merged_into(session, case)  # a merged case's reference leads to its survivor
        if case is not None and case.status in OPEN_STATUS_VALUES:
            return Match(case, f"carries the case reference {reference}")
    for reference in other_references(message.text):
        case = session.scalar(
            select(Case)
            .join(QuotedReference, QuotedReference.case_id == Case.id)
            .where(QuotedReference.force_id == message.force_id, QuotedReference.reference == reference,
                   Case.status.in_(OPEN_STATUS_VALUES))
            .order_by(Case.created_at.desc())
            .limit(1)
        )
        if case is not None:
            return Match(case, f"quotes {reference}, already quoted on")
    return None


def _merged_into(session: Session, case: Case) -> Case | None:
    survivor = survivor_of(session, case.id)
    return session.get_one(Case, survivor) if survivor is not None else None


def follow_up_case(session: Session, message: Message, new_author: bool = False) -> FollowUp | None:
    """The open case this message follows up, by reference or by its author: for routing.

    `new_author`: the author's person was created for this message, so has no case to look up.
    """
    by_reference = case_by_reference(session, message)
    if by_reference is not None:
        return FollowUp(by_reference=by_reference)
    if not message.person_id or new_author:
        return None
    own = open_case_id_for_person(session, message.force_id, message.person_id)
    return FollowUp(own_case_id=own) if own is not None else None


def case_to_join(
    session: Session, message: Message, incident: IncidentRow | None, follow_up: FollowUp | None
) -> Match | None:
    """`follow_up` is what `follow_up_case` found for the message in this transaction (routing
    asks first): a case named by reference comes before the incident's, the author's own after."""
    if follow_up is not None and follow_up.by_reference is not None:
        return follow_up.by_reference
    if incident is not None and incident.case_id is not None:
        case = session.get_one(Case, incident.case_id)
        evidence = incident_evidence(session, case, message) if case.status in OPEN_STATUS_VALUES else None
        if evidence is not None:
            return Match(case, evidence)
    if follow_up is not None and follow_up.own_case_id is not None:
        return Match(session.get_one(Case, follow_up.own_case_id), "same person's open case")
    return None


def record_references(session: Session, message: Message) -> None:
    """Keep the references a citizen quoted, so a later message quoting one can find them."""
    session.add_all(
        QuotedReference(force_id=message.force_id, reference=reference, message_id=message.id)
        for reference in other_references(message.text)
    )


def remember_references(session: Session, case: Case, message: Message) -> None:
    """The message is in `case` now: its quoted references lead there."""
    if not other_references(message.text):  # none were recorded (record_references)
        return
    session.execute(
        update(QuotedReference).where(QuotedReference.message_id == message.id).values(case_id=case.id)
    )
