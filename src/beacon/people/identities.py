"""Who sent a message: the author's channel identity, and the person it belongs to.

An identity is unique per (force, channel, external id). A new identity joins the person who
already holds one of its strong keys (the same E.164 number on SMS and WhatsApp, the same email
address); otherwise it gets a person of its own. Weaker evidence never links here: it becomes a
candidate match (`people/candidates.py`) for a person to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, bindparam, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.people.normalise import EMAIL_CHANNELS, PHONE_CHANNELS, Key, strong_keys
from beacon.routing.disposition import posted_by_force
from beacon.store.tables import Identity, Message, Person
from beacon.store.tables_people import IdentityKey


@dataclass(frozen=True)
class Resolution:
    person_id: int
    identity_id: int
    new_identity: bool
    linked_by: Key | None = None  # the strong key that joined a new identity to a known person

    @property
    def new_person(self) -> bool:
        """The person was created for this message: no other message or case is theirs yet."""
        return self.new_identity and self.linked_by is None


def resolve_person(session: Session, message: Message, now: datetime | None = None) -> int:
    return resolve_identity(session, message, now).person_id


def resolve_identity(session: Session, message: Message, now: datetime | None = None) -> Resolution:
    """Find the author's identity and person, creating them if new (linking by strong keys)."""
    found = _identity_for(session, message)
    if found is not None:
        return Resolution(found.person_id, found.id, False)
    keys = strong_keys(message.channel, message.author_id, message.author_handle)
    if posted_by_force(message):  # the force's own accounts on every channel are one author
        keys.append(Key("force", str(message.force_id)))
    try:
        with session.begin_nested():  # a concurrent worker may create the same identity
            resolution = _create_identity(session, message, keys)
    except IntegrityError:
        found = _identity_for(session, message)
        assert found is not None
        return Resolution(found.person_id, found.id, False)
    if resolution.linked_by is not None and now is not None:
        _audit_link(session, message, resolution, now)
    return resolution


# The statements of the per-message lookups are built once: on SQLite, building a select costs
# several times more than running it.
_KEY_LINKS = (
    select(Identity.person_id, literal(0).label("legacy"), IdentityKey.id.label("link"))
    .join(IdentityKey, IdentityKey.identity_id == Identity.id)
    .where(IdentityKey.force_id == bindparam("force_id"), IdentityKey.kind == bindparam("kind"),
           IdentityKey.value == bindparam("value"))
)
# Identities stored before identity_keys existed carry a phone or email key as their external id.
_LEGACY_HOLDERS = select(Identity.person_id, literal(1), literal(0)).where(
    Identity.force_id == bindparam("force_id"), Identity.channel.in_(bindparam("channels", expanding=True)),
    Identity.external_id == bindparam("value"),
)
_HOLDER_BY_KEY = _KEY_LINKS.order_by(IdentityKey.id.desc()).limit(1)
_holders = union_all(_KEY_LINKS, _LEGACY_HOLDERS).subquery()
_HOLDER_BY_KEY_OR_LEGACY = (
    select(_holders.c.person_id).order_by(_holders.c.legacy, _holders.c.link.desc()).limit(1)
)
_LEGACY_CHANNELS = {"phone": PHONE_CHANNELS, "email": EMAIL_CHANNELS}
_IDENTITY = select(Identity.id, Identity.person_id).where(
    Identity.force_id == bindparam("force_id"), Identity.channel == bindparam("channel"),
    Identity.external_id == bindparam("external_id"),
)


def person_holding(session: Session, force_id: int, key: Key) -> int | None:
    """The person whose identity carries this strong key (the newest link wins on a tie), else
    one whose identity predates identity_keys and has it as its external id (one query)."""
    params = {"force_id": force_id, "kind": key.kind, "value": key.value}
    if key.kind not in _LEGACY_CHANNELS:
        return session.execute(_HOLDER_BY_KEY, params).scalar()
    return session.execute(
        _HOLDER_BY_KEY_OR_LEGACY, {**params, "channels": sorted(_LEGACY_CHANNELS[key.kind])}
    ).scalar()


def _create_identity(session: Session, message: Message, keys: list[Key]) -> Resolution:
    person_id, linked_by = None, None
    for key in keys:
        person_id = person_holding(session, message.force_id, key)
        if person_id is not None:
            linked_by = key
            break
    if person_id is None:
        person = Person(force_id=message.force_id, display_name=message.author_name)
        session.add(person)
        session.flush()
        person_id = person.id
    identity = Identity(
        force_id=message.force_id, person_id=person_id, channel=message.channel,
        external_id=message.author_id, handle=message.author_handle, display_name=message.author_name,
    )
    session.add(identity)
    session.flush()
    session.add_all(
        IdentityKey(force_id=message.force_id, identity_id=identity.id, kind=k.kind, value=k.value)
        for k in keys
    )
    session.flush()
    return Resolution(person_id, identity.id, True, linked_by)


def _audit_link(session: Session, message: Message, resolution: Resolution, now: datetime) -> None:
    assert resolution.linked_by is not None
    append_event(
        session, actor=Actor.system("people"), action=Action.CHANGED, object_type="person",
        object_id=resolution.person_id, at=now, force_id=message.force_id,
        reason=f"identity linked automatically: same {resolution.linked_by.kind}",
        data={"identity_id": resolution.identity_id, "channel": message.channel,
              "key": resolution.linked_by.kind},
    )


def _identity_for(session: Session, message: Message) -> Row[tuple[int, int]] | None:
    """The author's identity (id, person_id), if known."""
    params = {"force_id": message.force_id, "channel": message.channel, "external_id": message.author_id}
    return session.execute(_IDENTITY, params).first()
