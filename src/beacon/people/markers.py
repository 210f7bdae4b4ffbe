"""Markers that follow a person across channels: set and removed by handlers, with reasons, audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.people.errors import NotFound, Refused
from beacon.people.settings import PeopleSettings, load_people_settings
from beacon.store.tables import Person
from beacon.store.tables_people import PersonMarker


def set_marker(
    session: Session, force_id: int, person_id: int, *, kind: str, value: str, reason: str,
    actor: Actor, now: datetime, people: PeopleSettings | None = None,
) -> PersonMarker:
    kinds = (people or load_people_settings()).marker_kinds
    if kind not in kinds:
        raise Refused(f"kind must be one of: {', '.join(kinds)}")
    if not value.strip() or not reason.strip():
        raise Refused("a marker needs a value and a reason")
    person = session.get(Person, person_id)
    if person is None or person.force_id != force_id:
        raise NotFound(f"person {person_id}")
    marker = PersonMarker(force_id=force_id, person_id=person_id, kind=kind, value=value.strip()[:200],
                          reason=reason, set_by_user_id=actor.id if actor.kind == "user" else None,
                          set_by_name=actor.name, created_at=now)
    session.add(marker)
    session.flush()
    append_event(session, actor=actor, action=Action.CHANGED, object_type="person", object_id=person_id,
                 at=now, force_id=force_id, reason=f"marker set: {kind}: {reason}",
                 data={"marker_id": marker.id, "kind": kind})
    return marker


def remove_marker(
    session: Session, force_id: int, person_id: int, marker_id: int, *, reason: str, actor: Actor, now: datetime
) -> PersonMarker:
    marker = session.get(PersonMarker, marker_id)
    if marker is None or marker.force_id != force_id or marker.person_id != person_id:
        raise NotFound(f"marker {marker_id}")
    if marker.removed_at is not None:
        raise Refused("this marker was already removed")
    marker.removed_at, marker.removed_by_name = now, actor.name
    append_event(session, actor=actor, action=Action.CHANGED, object_type="person", object_id=person_id,
                 at=now, force_id=force_id, reason=f"marker removed: {marker.kind}: {reason}",
                 data={"marker_id": marker.id, "kind": marker.kind})
    return marker


def active_markers(session: Session, person_id: int) -> list[PersonMarker]:
    return list(session.scalars(
        select(PersonMarker)
        .where(PersonMarker.person_id == person_id, PersonMarker.removed_at.is_(None))
        .order_by(PersonMarker.kind, PersonMarker.id)
    ))
