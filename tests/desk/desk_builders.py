"""Rows for desk and control-room tests, written straight to the store so each test says only
what matters to it (the pipeline has its own tests)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.store.tables import Case, Force, Message, Person

_ids = itertools.count(1)


def force_id(session: Session, slug: str = "demo") -> int:
    return session.scalars(select(Force.id).where(Force.slug == slug)).one()


def add_message(session: Session, force: int, at: datetime, **fields: Any) -> Message:
    n = next(_ids)
    values: dict[str, Any] = {
        "force_id": force, "channel": "sms", "channel_account": "+447700900000",
        "provider_message_id": f"desk-{n}", "author_id": f"+4477009{n:05d}", "text": "hello",
        "created_at": at, "received_at": at, "state": "processed", "priority": "P4",
        "categories": [], "triage": {"reasons": [], "vulnerabilities": [], "place": None},
    }
    values.update(fields)
    message = Message(**values)
    session.add(message)
    session.flush()
    return message


def add_case(session: Session, force: int, at: datetime, *, text: str, priority: str = "P1",
             category: str | None = None, channel: str = "sms", person_name: str | None = "Sam Jones",
             status: str = "new", **message_fields: Any) -> Case:
    n = next(_ids)
    person = Person(force_id=force, display_name=person_name, created_at=at)
    session.add(person)
    session.flush()
    case = Case(force_id=force, reference=f"WB-261128-{n:04d}", title=text[:60], priority=priority,
                category=category, status=status, person_id=person.id, created_at=at,
                first_contact_at=at, updated_at=at)
    session.add(case)
    session.flush()
    add_message(session, force, at, text=text, priority=priority, channel=channel, case_id=case.id,
                person_id=person.id, categories=[category] if category else [], **message_fields)
    return case


def seed_guidance(beacon: Any, slug: str = "demo") -> int:
    """Store a force's guidance articles; the id of one of them."""
    from beacon.guidance.library import current_articles, seed_shipped

    with beacon.session_factory.begin() as session:
        force = force_id(session, slug)
        seed_shipped(session, force, beacon.clock.now())
        article_id = current_articles(session, force)[0].id
    assert article_id is not None
    return article_id
