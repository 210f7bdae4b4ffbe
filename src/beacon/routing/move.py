"""A handler moves a message to another case: the attach decision corrected by a person.

The message's timeline entry goes with it, and both cases get a `moved` entry saying from where,
to where, who and why, so neither timeline silently loses or gains a message. Audited on the
message (`changed`, with the two cases). Only within the viewer's force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.cases.case_merges import survivor_of
from beacon.cases.lifecycle import PRIORITY_ORDER
from beacon.people.errors import NotFound, Refused
from beacon.store.tables import Case, CaseEntry, Message
from beacon.store.tables_people import QuotedReference


@dataclass(frozen=True)
class Moved:
    message_id: int
    from_case: Case
    to_case: Case


def find_case(session: Session, force_id: int, *, case_id: int | None = None, reference: str | None = None) -> Case:
    """The target case by id or by reference (BC-261128-0042), in this force only."""
    if case_id is None and not (reference or "").strip():
        raise Refused("name the case to move it to (case_reference or case_id)")
    query = select(Case).where(Case.force_id == force_id)
    if case_id is not None:
        query = query.where(Case.id == case_id)
    else:
        query = query.where(Case.reference == (reference or "").strip().upper())
    case = session.scalar(query)
    if case is None:
        raise NotFound(f"case {case_id if case_id is not None else reference}")
    survivor = survivor_of(session, case.id)  # a merged case's reference leads to its survivor
    return session.get_one(Case, survivor) if survivor is not None else case


def move_message(
    session: Session, force_id: int, message_id: int, to_case: Case, *, actor: Actor, reason: str, now: datetime
) -> Moved:
    message = session.scalar(select(Message).where(Message.id == message_id, Message.force_id == force_id))
    if message is None:
        raise NotFound(f"message {message_id}")
    if not reason.strip():
        raise Refused("say why the message belongs in the other case")
    if message.case_id is None:
        raise Refused("this message is in no case")
    if message.case_id == to_case.id:
        raise Refused(f"the message is already in {to_case.reference}")
    from_case = session.get_one(Case, message.case_id)
    session.execute(
        update(CaseEntry)
        .where(CaseEntry.case_id == from_case.id, CaseEntry.message_id == message.id,
               CaseEntry.kind.in_(("message_in", "message_out")))
        .values(case_id=to_case.id)
    )
    message.case_id = to_case.id
    session.execute(update(QuotedReference).where(QuotedReference.message_id == message.id).values(case_id=to_case.id))
    if message.priority and PRIORITY_ORDER.index(message.priority) < PRIORITY_ORDER.index(to_case.priority):
        to_case.priority = message.priority
    data = {"message_id": message.id, "from_case": from_case.id, "to_case": to_case.id,
            "from_reference": from_case.reference, "to_reference": to_case.reference}
    why = f"moved by {actor.name} from {from_case.reference} to {to_case.reference}: {reason.strip()}"
    for case, body in ((from_case, f"Message moved to {to_case.reference}"),
                       (to_case, f"Message moved here from {from_case.reference}")):
        case.updated_at = now
        session.add(CaseEntry(case_id=case.id, kind="moved", message_id=message.id, body=f"{body}: {reason.strip()}",
                              user_id=actor.id if actor.kind == "user" else None,
                              data={**data, "reason": why}, created_at=now))
    append_event(session, actor=actor, action=Action.CHANGED, object_type="message", object_id=message.id,
                 at=now, force_id=force_id, reason=why[:1000], data=data)
    session.flush()
    return Moved(message.id, from_case, to_case)
