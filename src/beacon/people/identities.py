"""One person per channel identity (the foundation's rule; cross-channel linking comes later)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from beacon.store.tables import Identity, Message, Person


def resolve_person(session: Session, message: Message) -> int:
    """Find the person behind this message's author identity, creating both if new."""
    found = _person_for(session, message)
    if found is not None:
        return found
    try:
        with session.begin_nested():  # a concurrent worker may create the same identity
            person = Person(force_id=message.force_id, display_name=message.author_name)
            session.add(person)
            session.flush()
            session.add(
                Identity(
                    force_id=message.force_id,
                    person_id=person.id,
                    channel=message.channel,
                    external_id=message.author_id,
                    handle=message.author_handle,
                    display_name=message.author_name,
                )
            )
            session.flush()
        return person.id
    except IntegrityError:
        found = _person_for(session, message)
        assert found is not None
        return found


def _person_for(session: Session, message: Message) -> int | None:
    return session.scalar(
        select(Identity.person_id).where(
            Identity.force_id == message.force_id,
            Identity.channel == message.channel,
            Identity.external_id == message.author_id,
        )
    )
