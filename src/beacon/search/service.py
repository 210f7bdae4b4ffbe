"""Search: cases, messages, people, identities and quoted references a user may see, grouped by
kind, newest first, each with a link and a highlighted snippet.

Scoping is beacon.cases.access, as for every other list: another force's records and a
restricted team's cases (with their messages, and people known only through them) are never
found by anyone outside that team. Words go to the database's full-text engine
(search/fulltext.py); references, phone numbers, addresses and handles are also looked up
exactly where they are kept, so "07700 900123" finds the person whose number is +447700900123
even though no message of theirs spells it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, visible_cases, visible_messages, visible_persons
from beacon.search.fulltext import CASES, IDENTITIES, MESSAGES, PERSONS, FullText, Markers, engine_for
from beacon.search.query import SearchQuery
from beacon.store.tables import Case, Identity, Message, Person
from beacon.store.tables_people import IdentityKey, QuotedReference

KINDS = ("case", "message", "person", "identity", "reference")
PER_KIND = 10
Fragments = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    snippet: Fragments  # the text, matched words marked True: escaped wherever it is shown
    url: str | None
    at: datetime | None = None
    detail: str = ""  # channel, priority, status: a few words beside the title


@dataclass
class Results:
    query: SearchQuery
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    more: dict[str, bool] = field(default_factory=dict)  # the kind had more than it shows

    def counts(self) -> dict[str, int]:
        return {kind: len(self.groups.get(kind, [])) for kind in KINDS}

    @property
    def total(self) -> int:
        return sum(self.counts().values())


@dataclass(frozen=True)
class _Search:
    session: Session
    access: Access
    query: SearchQuery
    engine: FullText
    markers: Markers
    limit: int


def search(session: Session, access: Access, query: SearchQuery, per_kind: int = PER_KIND) -> Results:
    s = _Search(session, access, query, engine_for(session), Markers.fresh(), per_kind)
    persons = _keyed_persons(s)
    results = Results(query)
    for kind, hits in (("case", _cases(s, persons)), ("message", _messages(s)), ("person", _persons(s, persons)),
                       ("identity", _identities(s)), ("reference", _references(s))):
        unique = list({hit.id: hit for hit in hits}.values())
        results.groups[kind], results.more[kind] = unique[:per_kind], len(unique) > per_kind
    return results


def audit_data(results: Results) -> dict[str, Any]:
    """What the audit log keeps of a search: the words, how many of each kind, which records."""
    return {"query": results.query.raw, "results": results.counts(), "total": results.total,
            "shown": {kind: [hit.id for hit in hits] for kind, hits in results.groups.items() if hits}}


# --- exact identifiers: whose number, address or handle is it --------------------------------

def _keyed_identities(s: _Search) -> Select[Any]:
    """Identities holding a phone number or address of the query, or one of its handles."""
    q = s.query
    keyed = select(IdentityKey.identity_id).where(
        IdentityKey.force_id == s.access.force_id,
        or_(*(IdentityKey.value == v for v in (*q.phones, *q.emails))) if (q.phones or q.emails) else false())
    handles = [h.casefold() for h in q.handles] + [f"@{h.casefold()}" for h in q.handles]
    return select(Identity.id).where(Identity.force_id == s.access.force_id, or_(
        Identity.id.in_(keyed), func.lower(Identity.handle).in_(handles) if handles else false(),
        Identity.external_id.in_(q.phones + q.emails) if (q.phones or q.emails) else false()))


def _keyed_persons(s: _Search) -> list[int]:
    if not (s.query.phones or s.query.emails or s.query.handles):
        return []
    return list(s.session.scalars(select(Identity.person_id).where(Identity.id.in_(_keyed_identities(s)))
                                  .distinct().limit(s.limit + 1)))


# --- each kind ----------------------------------------------------------------------------

def _cases(s: _Search, persons: list[int]) -> list[Hit]:
    columns = (Case.id, Case.reference, Case.status, Case.priority, Case.created_at)
    exact = select(*columns, Case.title).where(visible_cases(s.access), or_(
        Case.reference.in_(s.query.references) if s.query.references else false(),
        Case.person_id.in_(persons) if persons else false()))
    found = list(s.session.execute(exact.order_by(Case.created_at.desc()).limit(s.limit + 1)))
    by_words = s.engine.matching(select(*columns, s.engine.marked(CASES, 0, s.query.terms, s.markers, whole=True))
                                 .where(visible_cases(s.access)), CASES, s.query.terms)
    if len(found) <= s.limit:
        found += list(s.session.execute(by_words.order_by(Case.created_at.desc()).limit(s.limit + 1)))
    return [Hit("case", row.id, row.reference, s.markers.fragments(row[-1]), f"/cases/{row.id}", row.created_at,
                f"{row.priority} · {row.status}") for row in found]


def _messages(s: _Search) -> list[Hit]:
    query = s.engine.matching(
        select(Message.id, Message.case_id, Message.person_id, Message.channel, Message.priority,
               Message.received_at, Message.author_name, Message.author_handle,
               s.engine.marked(MESSAGES, 0, s.query.terms, s.markers))
        .where(visible_messages(s.access)), MESSAGES, s.query.terms)
    rows = s.session.execute(query.order_by(Message.received_at.desc()).limit(s.limit + 1))
    return [Hit("message", row.id, row.author_name or row.author_handle or f"Message {row.id}",
                s.markers.fragments(row[-1]), _message_url(row.case_id, row.person_id, row.id), row.received_at,
                " · ".join(filter(None, (row.channel, row.priority)))) for row in rows]


def _persons(s: _Search, persons: list[int]) -> list[Hit]:
    exact = list(s.session.execute(select(Person.id, Person.display_name).where(
        Person.id.in_(persons), visible_persons(s.access)).order_by(Person.id.desc())))
    hits = [Hit("person", row.id, row.display_name or f"Person {row.id}", (), f"/persons/{row.id}",
                detail="by their number, address or handle") for row in exact]
    by_name = s.engine.matching(
        select(Person.id, Person.display_name, s.engine.marked(PERSONS, 0, s.query.terms, s.markers, whole=True))
        .where(visible_persons(s.access)), PERSONS, s.query.terms)
    hits += [Hit("person", row.id, row.display_name or f"Person {row.id}", s.markers.fragments(row[-1]),
                 f"/persons/{row.id}") for row in s.session.execute(by_name.order_by(Person.id.desc()).limit(s.limit + 1))]
    return hits


def _identities(s: _Search) -> list[Hit]:
    columns = (Identity.id, Identity.person_id, Identity.channel, Identity.external_id, Identity.handle,
               Identity.display_name)
    seen = Identity.person_id.in_(select(Person.id).where(visible_persons(s.access)))
    rows = list(s.session.execute(select(*columns).where(Identity.id.in_(_keyed_identities(s)), seen)
                                  .order_by(Identity.id.desc()).limit(s.limit + 1))) if s.query.identifiers else []
    hits = [_identity_hit(row, ((row.handle or row.external_id, True),)) for row in rows]  # what matched
    by_words = s.engine.matching(
        select(*columns, s.engine.marked(IDENTITIES, 0, s.query.terms, s.markers, whole=True),
               s.engine.marked(IDENTITIES, 1, s.query.terms, s.markers, whole=True)).where(seen),
        IDENTITIES, s.query.terms)
    for row in s.session.execute(by_words.order_by(Identity.id.desc()).limit(s.limit + 1)):
        parts = [p for p in (s.markers.fragments(row[-2]), s.markers.fragments(row[-1])) if p]
        hits.append(_identity_hit(row, parts[0] + ((" · ", False),) + parts[1] if len(parts) == 2 else
                                  (parts[0] if parts else ())))
    return hits


def _references(s: _Search) -> list[Hit]:
    """References citizens quoted (crime numbers): the message that quoted it, and its case."""
    if not s.query.references:
        return []
    rows = s.session.execute(
        select(QuotedReference.id, QuotedReference.reference, Message.id.label("message_id"), Message.case_id,
               Message.person_id, Message.received_at)
        .join(Message, Message.id == QuotedReference.message_id)
        .where(QuotedReference.force_id == s.access.force_id, QuotedReference.reference.in_(s.query.references),
               visible_messages(s.access))
        .order_by(Message.received_at.desc()).limit(s.limit + 1))
    return [Hit("reference", row.id, row.reference, ((row.reference, True),),
                _message_url(row.case_id, row.person_id, row.message_id), row.received_at,
                f"quoted in message {row.message_id}") for row in rows]


def _identity_hit(row: Any, snippet: Fragments) -> Hit:
    """Titled by what the channel knows them by (a handle, a number, an address)."""
    return Hit("identity", row.id, row.handle or row.external_id, snippet, f"/persons/{row.person_id}",
               detail=" · ".join(filter(None, (row.channel, row.display_name))))


def _message_url(case_id: int | None, person_id: int | None, message_id: int) -> str | None:
    """A message is read on its case's timeline, else on its author's page."""
    if case_id is not None:
        return f"/cases/{case_id}#message-{message_id}"
    return f"/persons/{person_id}#message-{message_id}" if person_id is not None else None


def kinds_with_hits(results: Results) -> Iterable[str]:
    return (kind for kind in KINDS if results.groups.get(kind))
