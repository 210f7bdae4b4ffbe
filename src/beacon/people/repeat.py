"""Repeat-contact flags: raised on each new message that takes a person over a threshold.

Counted over all of the person's identities, so four messages on three channels in a week are
seen as one person calling for help again and again, not four strangers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.people.settings import PeopleSettings, RepeatRule, load_people_settings
from beacon.store.tables import Message
from beacon.store.tables_people import ContactFlag


def flag_repeat_contact(
    session: Session, message: Message, now: datetime, people: PeopleSettings | None = None
) -> list[ContactFlag]:
    assert message.person_id is not None
    flags = []
    for rule in (people or load_people_settings()).repeat_contact:
        contacts, channels = _contacts_within(session, message, rule)
        if contacts >= rule.contacts and channels >= rule.channels:
            flag = ContactFlag(
                force_id=message.force_id, person_id=message.person_id, message_id=message.id, rule=rule.name,
                detail=f"{contacts} contacts in {rule.days:g} days on {channels} channel{'s' * (channels != 1)}",
                created_at=now,
            )
            session.add(flag)
            flags.append(flag)
    return flags


def _contacts_within(session: Session, message: Message, rule: RepeatRule) -> tuple[int, int]:
    since = message.created_at - timedelta(days=rule.days)
    contacts, channels = session.execute(
        select(func.count(Message.id), func.count(func.distinct(Message.channel))).where(
            Message.force_id == message.force_id, Message.person_id == message.person_id,
            Message.direction == "in", Message.created_at > since, Message.created_at <= message.created_at,
        )
    ).one()
    return int(contacts), int(channels)
