"""Repeat-contact flags: raised on each new message that takes a person over a threshold.

Counted over all of the person's identities, so four messages on three channels in a week are
seen as one person calling for help again and again, not four strangers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from beacon.people.settings import PeopleSettings, RepeatRule, load_people_settings
from beacon.store.tables import Message
from beacon.store.tables_people import ContactFlag


def flag_repeat_contact(
    session: Session, message: Message, now: datetime, people: PeopleSettings | None = None
) -> list[ContactFlag]:
    assert message.person_id is not None
    rules = (people or load_people_settings()).repeat_contact
    flags = []
    for rule, (contacts, channels) in zip(rules, _contacts_within(session, message, rules)):
        if contacts >= rule.contacts and channels >= rule.channels:
            flag = ContactFlag(
                force_id=message.force_id, person_id=message.person_id, message_id=message.id, rule=rule.name,
                detail=f"{contacts} contacts in {rule.days:g} days on {channels} channel{'s' * (channels != 1)}",
                created_at=now,
            )
            session.add(flag)
            flags.append(flag)
    return flags


def _contacts_within(session: Session, message: Message, rules: Sequence[RepeatRule]) -> list[tuple[int, int]]:
    """(contacts, channels) of the person in each rule's window up to this message, in one query.

    The query counts the person's other messages; this one is added here rather than found by
    its person_id, which the pipeline has not flushed yet (it writes a message once, at its end).
    Matching it by id instead (person_id = ? OR id = ?) would cost SQLite its person_id index.
    """
    if not rules:
        return []
    params = {
        "force_id": message.force_id, "person_id": message.person_id, "message_id": message.id,
        "channel": message.channel, "until": message.created_at,
        "since": message.created_at - timedelta(days=max(rule.days for rule in rules)),
    }
    for i, rule in enumerate(rules):
        params[f"since_{i}"] = message.created_at - timedelta(days=rule.days)
    row = session.execute(_count_statement(len(rules)), params).one()
    this = int(message.direction == "in")  # always inside its own windows
    counts = []
    for i in range(len(rules)):
        others, other_channels, on_this_channel = row[3 * i], row[3 * i + 1], row[3 * i + 2]
        counts.append((others + this, other_channels + (this if on_this_channel == 0 else 0)))
    return counts


@lru_cache(maxsize=8)
def _count_statement(rules: int) -> Select[Any]:
    """Per rule i: other messages, their channels, those on this message's channel since since_i.

    Built once per number of rules: building a select costs more than running it on SQLite.
    """
    columns = []
    for i in range(rules):
        within = Message.created_at > bindparam(f"since_{i}")
        columns += [
            func.count(case((within, Message.id))),
            func.count(func.distinct(case((within, Message.channel)))),
            func.count(case((and_(within, Message.channel == bindparam("channel")), Message.id))),
        ]
    return select(*columns).where(
        Message.force_id == bindparam("force_id"), Message.person_id == bindparam("person_id"),
        Message.id != bindparam("message_id"), Message.direction == "in",
        Message.created_at > bindparam("since"), Message.created_at <= bindparam("until"),
    )
