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

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, false, func, or_, select, union_all
from sqlalchemy.orm import Session

from beacon.cases.access import Access, visible_cases, visible_messages, visible_persons
from beacon.people.normalise import EMAIL_CHANNELS, PHONE_CHANNELS
from beacon.search.fulltext import CASES, IDENTITIES, MESSAGES, PERSONS, FullText, Indexed, Markers, engine_for
from beacon.search.query import SearchQuery
from beacon.store.tables import Case, Identity, Message, Person
from beacon.store.tables_people import IdentityKey, QuotedReference

KINDS = ("case", "message", "person", "identity", "reference")
PER_KIND = 10
KEYED_CHANNELS = sorted(PHONE_CHANNELS | EMAIL_CHANNELS)  # where the channel's own id is a number or address
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

def _keyed_identities(s: _Search) -> Any:
    """Ids of identities holding a phone number or address of the query, or one of its handles:
    one indexed lookup each (identity keys by value; identities by channel id), so a number is
    found among 100,000 identities without reading them; only a handle reads the identities."""
    q, force = s.query, s.access.force_id
    keys = (*q.phones, *q.emails)
    lookups = [select(IdentityKey.identity_id).where(
                   IdentityKey.force_id == force, IdentityKey.kind.in_(("phone", "email")), IdentityKey.value.in_(keys)),
               select(Identity.id).where(Identity.force_id == force, Identity.channel.in_(KEYED_CHANNELS),
                                         Identity.external_id.in_(keys))] if keys else []
    if q.handles:
        handles = [h.casefold() for h in q.handles] + [f"@{h.casefold()}" for h in q.handles]
        lookups.append(select(Identity.id).where(Identity.force_id == force, func.lower(Identity.handle).in_(handles)))
    return union_all(*lookups) if lookups else select(Identity.id).where(false())


def _keyed_persons(s: _Search) -> list[int]:
    if not (s.query.phones or s.query.emails or s.query.handles):
        return []
    return list(s.session.scalars(select(Identity.person_id).where(Identity.id.in_(_keyed_identities(s)))
                                  .distinct().limit(s.limit + 1)))


# --- by words: the engine finds the ids, then marks the words of the few rows shown --------

def _by_words(s: _Search, index: Indexed, model: Any, columns: tuple[Any, ...], scope: Any, newest: Any,
              marks: tuple[tuple[int, bool], ...]) -> list[tuple[Any, list[Fragments]]]:
    """The newest `limit + 1` rows of `model` in `scope` whose words match, each with the marked
    text of the `marks` columns (index column, whole). Two steps, so the marking (which reads
    and tokenizes each text) is done for the rows shown, not for every match."""
    rows = list(s.session.execute(select(*columns).where(model.id.in_(s.engine.ids_matching(index, s.query.terms)),
                                                         scope).order_by(newest).limit(s.limit + 1)))
    if not rows:
        return []
    marked_columns = [s.engine.marked(index, column, s.query.terms, s.markers, whole) for column, whole in marks]
    marked = {row[0]: [s.markers.fragments(text) for text in row[1:]] for row in s.session.execute(
        s.engine.matching(select(model.id, *marked_columns).where(model.id.in_([r.id for r in rows])),
                          index, s.query.terms))}
    return [(row, marked.get(row.id, [()] * len(marks))) for row in rows]


# --- each kind ----------------------------------------------------------------------------

def _cases(s: _Search, persons: list[int]) -> list[Hit]:
    columns = (Case.id, Case.reference, Case.status, Case.priority, Case.created_at, Case.title)
    exact = select(*columns).where(visible_cases(s.access), or_(
        Case.reference.in_(s.query.references) if s.query.references else false(),
        Case.person_id.in_(persons) if persons else false()))
    found = [(row, [((row.title, False),)]) for row in
             s.session.execute(exact.order_by(Case.created_at.desc()).limit(s.limit + 1))]
    if len(found) <= s.limit:
        found += _by_words(s, CASES, Case, columns, visible_cases(s.access), Case.created_at.desc(), ((0, True),))
    return [Hit("case", row.id, row.reference, title, f"/cases/{row.id}", row.created_at,
                f"{row.priority} · {row.status}") for row, [title] in found]


def _messages(s: _Search) -> list[Hit]:
    columns = (Message.id, Message.case_id, Message.person_id, Message.channel, Message.priority,
               Message.received_at, Message.author_name, Message.author_handle)
    found = _by_words(s, MESSAGES, Message, columns, visible_messages(s.access), Message.received_at.desc(),
                      ((0, False),))
    return [Hit("message", row.id, row.author_name or row.author_handle or f"Message {row.id}", text,
                _message_url(row.case_id, row.person_id, row.id), row.received_at,
                " · ".join(filter(None, (row.channel, row.priority)))) for row, [text] in found]


def _persons(s: _Search, persons: list[int]) -> list[Hit]:
    exact = list(s.session.execute(select(Person.id, Person.display_name).where(
        Person.id.in_(persons), visible_persons(s.access)).order_by(Person.id.desc())))
    hits = [Hit("person", row.id, row.display_name or f"Person {row.id}", (), f"/persons/{row.id}",
                detail="by their number, address or handle") for row in exact]
    found = _by_words(s, PERSONS, Person, (Person.id, Person.display_name), visible_persons(s.access),
                      Person.id.desc(), ((0, True),))
    return hits + [Hit("person", row.id, row.display_name or f"Person {row.id}", name, f"/persons/{row.id}")
                   for row, [name] in found]


def _identities(s: _Search) -> list[Hit]:
    columns = (Identity.id, Identity.person_id, Identity.channel, Identity.external_id, Identity.handle,
               Identity.display_name)
    seen = exists().where(Person.id == Identity.person_id, visible_persons(s.access))  # per row, not a list
    rows = list(s.session.execute(select(*columns).where(Identity.id.in_(_keyed_identities(s)), seen)
                                  .order_by(Identity.id.desc()).limit(s.limit + 1))) if s.query.identifiers else []
    hits = [_identity_hit(row, ((row.handle or row.external_id, True),)) for row in rows]  # what matched
    for row, marked in _by_words(s, IDENTITIES, Identity, columns, seen, Identity.id.desc(), ((0, True), (1, True))):
        parts = [p for p in marked if p]
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

