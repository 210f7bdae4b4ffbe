"""What a batch knows in memory: incidents, identities, keys, open cases, references, history.

Loaded once per batch for the batch's own keys, one query each (as the noise trackers rebuild
their window at start), then kept up to date in memory as each message is decided, so a later
message in the batch sees what an earlier one created exactly as if it had been committed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from beacon.cases.case_merges import survivors_of
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.people.normalise import EMAIL_CHANNELS, PHONE_CHANNELS
from beacon.routing.incident_join import CASE_MESSAGES
from beacon.store.tables import Case, Identity, Message
from beacon.store.tables_noise import IncidentRow
from beacon.store.tables_people import IdentityKey, QuotedReference

OPEN = frozenset(status.value for status in OPEN_STATUSES)
LEGACY_CHANNELS = {"phone": PHONE_CHANNELS, "email": EMAIL_CHANNELS}
_M, _C, _I = Message.__table__.c, Case.__table__.c, IncidentRow.__table__.c
_ID, _IK, _QR = Identity.__table__.c, IdentityKey.__table__.c, QuotedReference.__table__.c
INCIDENT_COLUMNS = tuple(column.name for column in IncidentRow.__table__.columns)
CASE_COLUMNS = tuple(column.name for column in Case.__table__.columns)


@dataclass(slots=True)
class Member:
    """A message on a case, as the incident join reads it."""

    id: int
    created_at: datetime
    categories: list[Any] | None
    triage: dict[str, Any] | None
    text: str


@dataclass
class Record:
    """A stored or new row (incident or case): its columns, and whether to write it."""

    values: dict[str, Any]
    new: bool = False
    dirty: bool = False

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def set(self, **values: Any) -> None:
        self.values.update(values)
        self.dirty = True


@dataclass
class CaseState:
    record: Record
    members: list[Member] = field(default_factory=list)  # newest first, at most CASE_MESSAGES
    message_ids: set[int] = field(default_factory=set)  # known members (for repeats)
    provider_ids: dict[str, int] = field(default_factory=dict)  # provider message id -> member id


@dataclass
class QuotedRef:
    force_id: int
    reference: str
    message_id: int
    person_id: int | None
    case_id: int | None


@dataclass
class BatchState:
    incidents: dict[tuple[int, str], Record] = field(default_factory=dict)  # (force, key)
    first_sighting: dict[tuple[int, str], int] = field(default_factory=dict)  # (force, item key)
    identities: dict[tuple[int, str, str], tuple[int, int]] = field(default_factory=dict)  # -> (id, person)
    key_links: dict[tuple[int, str, str], tuple[int, int]] = field(default_factory=dict)  # -> (link, person)
    legacy_holders: dict[tuple[int, str, str], int] = field(default_factory=dict)  # -> person
    cases: dict[int, CaseState] = field(default_factory=dict)
    references: list[QuotedRef] = field(default_factory=list)
    history: dict[int, list[tuple[int, str, datetime]]] = field(default_factory=lambda: defaultdict(list))
    new_identities: list[tuple[int, int, str | None]] = field(default_factory=list)  # (force, person, name)
    candidates: dict[tuple[int, int, int], dict[str, Any]] = field(default_factory=dict)  # (force, low, high)
    merged_into: dict[int, int] = field(default_factory=dict)  # a merged case named by reference -> survivor

    # ---- lookups, as the per-message queries answered them --------------------------------------

    def person_holding(self, force_id: int, kind: str, value: str) -> int | None:
        link = self.key_links.get((force_id, kind, value))
        if link is not None:
            return link[1]
        return self.legacy_holders.get((force_id, kind, value)) if kind in LEGACY_CHANNELS else None

    def open_case_of_person(self, force_id: int, person_id: int) -> int | None:
        """The person's newest open case (as `open_case_id_for_person`)."""
        found = [c.record for c in self.cases.values()
                 if c.record.person_id == person_id and c.record.force_id == force_id and c.record.status in OPEN]
        return max(found, key=lambda r: (r.created_at, r.id)).id if found else None

    def case_with_reference(self, force_id: int, reference: str) -> CaseState | None:
        """The case of that reference; a merged case's leads to its survivor (as `survivor_of`)."""
        for state in self.cases.values():
            if state.record.reference == reference and state.record.force_id == force_id:
                survivor = self.merged_into.get(state.record.id)
                return self.cases[survivor] if survivor is not None else state
        return None

    def open_case_quoting(self, force_id: int, reference: str) -> CaseState | None:
        """The newest open case a citizen quoted `reference` on."""
        found = [self.cases[r.case_id] for r in self.references
                 if r.reference == reference and r.force_id == force_id and r.case_id in self.cases
                 and self.cases[r.case_id].record.status in OPEN]
        return max(found, key=lambda c: c.record.created_at) if found else None


# ---- loading -----------------------------------------------------------------------------------


def load_noise(session: Session, state: BatchState, incident_keys: set[tuple[int, str]],
               item_keys: set[tuple[int, str]]) -> None:
    """Incidents by key and each item's first sighting, for the keys the batch's decisions name."""
    if incident_keys:
        rows = session.execute(select(*IncidentRow.__table__.columns)
                               .where(_I.key.in_(sorted({key for _, key in incident_keys}))))
        for row in rows:
            if (row.force_id, row.key) in incident_keys:
                state.incidents[(row.force_id, row.key)] = Record(dict(row._mapping))
    if item_keys:
        rows = session.execute(
            select(_M.force_id, _M.item_key, func.min(_M.id))
            .where(_M.item_key.in_(sorted({key for _, key in item_keys})))
            .group_by(_M.force_id, _M.item_key)
        )
        for force_id, key, first in rows:
            state.first_sighting[(force_id, key)] = first


def load_people(session: Session, state: BatchState, author_ids: set[str], key_values: set[str]) -> None:
    """The batch's authors' identities, and who holds each strong key in play (linked or legacy)."""
    legacy = sorted(PHONE_CHANNELS | EMAIL_CHANNELS)
    rows = session.execute(
        select(_ID.id, _ID.person_id, _ID.force_id, _ID.channel, _ID.external_id)
        .where(or_(_ID.external_id.in_(sorted(author_ids)),
                   _ID.channel.in_(legacy) & _ID.external_id.in_(sorted(key_values))))
        .order_by(_ID.id.desc())
    )
    for row in rows:
        state.identities[(row.force_id, row.channel, row.external_id)] = (row.id, row.person_id)
        for kind, channels in LEGACY_CHANNELS.items():
            if row.channel in channels:
                state.legacy_holders[(row.force_id, kind, row.external_id)] = row.person_id
    if not key_values:
        return
    links = session.execute(
        select(_IK.id, _IK.force_id, _IK.kind, _IK.value, _ID.person_id)
        .join(Identity.__table__, _ID.id == _IK.identity_id)
        .where(_IK.value.in_(sorted(key_values)))
    )
    for row in links:
        known = state.key_links.get((row.force_id, row.kind, row.value))
        if known is None or row.id > known[0]:
            state.key_links[(row.force_id, row.kind, row.value)] = (row.id, row.person_id)


def load_references(session: Session, state: BatchState, references: set[str]) -> None:
    if not references:
        return
    rows = session.execute(
        select(_QR.force_id, _QR.reference, _QR.message_id, _M.person_id, _QR.case_id)
        .join(Message.__table__, _M.id == _QR.message_id)
        .where(_QR.reference.in_(sorted(references)))
        .order_by(_QR.id)
    )
    state.references.extend(QuotedRef(*row) for row in rows)


def load_history(session: Session, state: BatchState, person_ids: set[int], since: datetime,
                 until: datetime) -> None:
    """The persons' inbound messages in the widest repeat-contact window (processed ones only:
    the batch's own are added as they are decided)."""
    if not person_ids:
        return
    rows = session.execute(
        select(_M.person_id, _M.id, _M.channel, _M.created_at)
        .where(_M.person_id.in_(sorted(person_ids)), _M.direction == "in",
               _M.created_at > since, _M.created_at <= until)
    )
    for person_id, message_id, channel, created_at in rows:
        state.history[person_id].append((message_id, channel, created_at))


def load_cases(session: Session, state: BatchState, *, case_ids: set[int], person_ids: set[int],
               references: set[str], item_ids: set[int], reply_tos: set[str]) -> None:
    """Every case a message of the batch may join: its incident's, one named by reference, its
    author's open ones; with each case's latest members and the members the batch may repeat."""
    quoted = {r.case_id for r in state.references if r.case_id is not None}
    conditions = [_C.id.in_(sorted(case_ids | quoted))]
    if person_ids:
        conditions.append(_C.person_id.in_(sorted(person_ids)) & _C.status.in_(sorted(OPEN)))
    if references:
        conditions.append(_C.reference.in_(sorted(references)))
    for row in session.execute(select(*Case.__table__.columns).where(or_(*conditions))):
        state.cases[row.id] = CaseState(Record(dict(row._mapping)))
    if references:
        _load_survivors(session, state, references)
    if state.cases:
        _load_members(session, state, item_ids, reply_tos)


def _load_survivors(session: Session, state: BatchState, references: set[str]) -> None:
    """A closed case named by reference may have been merged: load the case it leads to."""
    closed = {c.record.id for c in state.cases.values()
              if c.record.reference in references and c.record.status not in OPEN}
    state.merged_into = survivors_of(session, closed) if closed else {}
    missing = sorted(set(state.merged_into.values()) - set(state.cases))
    if missing:
        for row in session.execute(select(*Case.__table__.columns).where(_C.id.in_(missing))):
            state.cases[row.id] = CaseState(Record(dict(row._mapping)))


def _load_members(session: Session, state: BatchState, item_ids: set[int], reply_tos: set[str]) -> None:
    ids = sorted(state.cases)
    newest = (
        select(_M.case_id, _M.id, _M.created_at, _M.categories, _M.triage, _M.text,
               func.row_number().over(partition_by=_M.case_id,
                                      order_by=(_M.created_at.desc(), _M.id.desc())).label("rank"))
        .where(_M.case_id.in_(ids), _M.direction == "in")
        .subquery()
    )
    rows = session.execute(select(newest).where(newest.c.rank <= CASE_MESSAGES)
                           .order_by(newest.c.case_id, newest.c.rank))
    for row in rows:
        state.cases[row.case_id].members.append(Member(row.id, row.created_at, row.categories, row.triage, row.text))
    if not item_ids and not reply_tos:
        return
    repeats = session.execute(
        select(_M.case_id, _M.id, _M.provider_message_id)
        .where(_M.case_id.in_(ids), or_(_M.id.in_(sorted(item_ids)), _M.provider_message_id.in_(sorted(reply_tos))))
    )
    for case_id, message_id, provider_id in repeats:
        add_member_ids(state.cases[case_id], message_id, provider_id)


def add_member_ids(case: CaseState, message_id: int, provider_id: str) -> None:
    case.message_ids.add(message_id)
    known = case.provider_ids.get(provider_id)
    case.provider_ids[provider_id] = message_id if known is None else min(known, message_id)
