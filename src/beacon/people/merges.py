"""Reversible, audited merges of two persons.

A merge moves the absorbed person's identities, cases and markers to the survivor and records
exactly which ones moved; messages follow their identities. Unmerge moves them back. Nothing is
deleted: the absorbed person stays, empty, so its id (in the audit log, in links) still resolves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.people.errors import NotFound, Refused
from beacon.people.settings import PeopleSettings, load_people_settings
from beacon.store.tables import Case, Identity, Message, Person
from beacon.store.tables_people import PersonMarker, PersonMerge


def merge_persons(
    session: Session, force_id: int, survivor_id: int, absorbed_id: int, *,
    actor: Actor, basis: str, reason: str, now: datetime, people: PeopleSettings | None = None,
) -> PersonMerge:
    """Merge `absorbed` into `survivor`, naming the basis (consent or a configured lawful reason)."""
    bases = (people or load_people_settings()).link_bases
    if basis not in bases:
        raise Refused(f"basis must be one of: {', '.join(bases)}")
    if not reason.strip():
        raise Refused("say why these are one person")
    if survivor_id == absorbed_id:
        raise Refused("a person cannot be merged with themselves")
    for person_id in (survivor_id, absorbed_id):
        _person(session, force_id, person_id)
    identity_ids = list(session.scalars(select(Identity.id).where(Identity.person_id == absorbed_id)))
    case_ids = list(session.scalars(select(Case.id).where(Case.person_id == absorbed_id)))
    marker_ids = list(session.scalars(select(PersonMarker.id).where(
        PersonMarker.person_id == absorbed_id, PersonMarker.removed_at.is_(None))))
    _move(session, identity_ids, case_ids, marker_ids, to_person=survivor_id)
    session.execute(update(Message).where(Message.person_id == absorbed_id).values(person_id=survivor_id))
    merge = PersonMerge(
        force_id=force_id, survivor_id=survivor_id, absorbed_id=absorbed_id, identity_ids=identity_ids,
        case_ids=case_ids, marker_ids=marker_ids, basis=basis, reason=reason, by_user_id=_user_id(actor),
        by_name=actor.name, created_at=now,
    )
    session.add(merge)
    session.flush()
    append_event(session, actor=actor, action=Action.CHANGED, object_type="person", object_id=survivor_id,
                 at=now, force_id=force_id, reason=f"merged person {absorbed_id} into {survivor_id}: {reason}",
                 data={"merge_id": merge.id, "absorbed_id": absorbed_id, "basis": basis,
                       "identities": len(identity_ids), "cases": len(case_ids)})
    return merge


def unmerge(session: Session, force_id: int, merge_id: int, *, actor: Actor, reason: str, now: datetime) -> PersonMerge:
    """Undo a merge: what moved goes back, with the messages of the identities that moved."""
    merge = session.get(PersonMerge, merge_id)
    if merge is None or merge.force_id != force_id:
        raise NotFound(f"merge {merge_id}")
    if merge.undone_at is not None:
        raise Refused("this merge was already undone")
    if not reason.strip():
        raise Refused("say why the merge was wrong")
    elsewhere = session.scalars(select(Identity.id).where(
        Identity.id.in_(merge.identity_ids), Identity.person_id != merge.survivor_id)).all()
    if elsewhere:
        raise Refused("some of its identities were merged again since: undo that merge first")
    identities = session.scalars(select(Identity).where(Identity.id.in_(merge.identity_ids))).all()
    _move(session, merge.identity_ids, _cases_to_return(session, merge), merge.marker_ids, to_person=merge.absorbed_id)
    for identity in identities:
        session.execute(update(Message).where(
            Message.force_id == force_id, Message.person_id == merge.survivor_id,
            Message.channel == identity.channel, Message.author_id == identity.external_id,
        ).values(person_id=merge.absorbed_id))
    merge.undone_at, merge.undone_by_name, merge.undo_reason = now, actor.name, reason
    append_event(session, actor=actor, action=Action.CHANGED, object_type="person", object_id=merge.survivor_id,
                 at=now, force_id=force_id, reason=f"unmerged person {merge.absorbed_id}: {reason}",
                 data={"merge_id": merge.id, "absorbed_id": merge.absorbed_id})
    return merge


def _cases_to_return(session: Session, merge: PersonMerge) -> list[int]:
    """The cases that moved, plus cases opened since by a message from an identity that moved."""
    moved = set(merge.case_ids)
    identities = {(channel, external_id) for channel, external_id in session.execute(
        select(Identity.channel, Identity.external_id).where(Identity.id.in_(merge.identity_ids)))}
    for case in session.scalars(select(Case).where(Case.person_id == merge.survivor_id)):
        first = session.scalar(select(Message).where(Message.case_id == case.id).order_by(Message.id).limit(1))
        if first is not None and (first.channel, first.author_id) in identities:
            moved.add(case.id)
    return sorted(moved)


def _move(session: Session, identity_ids: list[int], case_ids: list[int], marker_ids: list[int], *, to_person: int) -> None:
    if identity_ids:
        session.execute(update(Identity).where(Identity.id.in_(identity_ids)).values(person_id=to_person))
    if case_ids:
        session.execute(update(Case).where(Case.id.in_(case_ids)).values(person_id=to_person))
    if marker_ids:
        session.execute(update(PersonMarker).where(PersonMarker.id.in_(marker_ids)).values(person_id=to_person))


def _person(session: Session, force_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.force_id != force_id:
        raise NotFound(f"person {person_id}")
    return person


def _user_id(actor: Actor) -> int | None:
    return actor.id if actor.kind == "user" else None
