"""What the people stage does for each new message: find the author, gather evidence, flag repeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from beacon.people.candidates import gather_evidence
from beacon.people.identities import Resolution, resolve_identity
from beacon.people.repeat import flag_repeat_contact
from beacon.people.settings import PeopleSettings
from beacon.routing.attach import record_references
from beacon.store.tables import Message


def observe_author(
    session: Session, message: Message, now: datetime, people: PeopleSettings | None = None
) -> Resolution:
    """Set the message's person (linking strong keys), record candidate matches, flag repeats."""
    resolution = resolve_identity(session, message, now)
    message.person_id = resolution.person_id
    gather_evidence(session, message, now)
    record_references(session, message)  # after the evidence, which looks for others' quotes
    if not resolution.new_person:  # a new person's one contact is below every threshold (2+)
        flag_repeat_contact(session, message, now, people)
    return resolution
