"""The two full-text engines behind one small interface: "rows of this table whose words match
the query's terms", and "this column with the matched words marked", each in the engine's own
SQL. SQLite: the FTS5 tables of migration 0021; PostgreSQL: its GIN indexes over to_tsvector.

The query's words only ever travel as bound parameters: an FTS5 expression is built from quoted
phrases (a quote inside is doubled), PostgreSQL's from phraseto_tsquery of each phrase, so no
input can become an operator of either query language.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from beacon.search.query import Term


@dataclass(frozen=True)
class Indexed:
    """A table with a full-text index: which columns, and PostgreSQL's configuration for them.
    Must say what migration 0021 made (tests/search check the index is used)."""

    table: str
    columns: tuple[str, ...]
    config: str


MESSAGES = Indexed("messages", ("text",), "beacon_english")
CASES = Indexed("cases", ("title",), "beacon_english")
PERSONS = Indexed("persons", ("display_name",), "simple")
IDENTITIES = Indexed("identities", ("handle", "display_name"), "simple")


@dataclass(frozen=True)
class Markers:
    """Where a snippet's matched words start and stop. Random for each search, so a citizen's
    own text can never contain them: the snippet is split on them and every piece escaped."""

    start: str
    stop: str

    @classmethod
    def fresh(cls) -> Markers:
        nonce = secrets.token_hex(8)
        return cls(f"qs{nonce}q", f"qe{nonce}q")

    def fragments(self, marked: str | None) -> tuple[tuple[str, bool], ...]:
        """'a ⟨b⟩ c' as (('a ', False), ('b', True), (' c', False)): for templates and JSON."""
        return tuple(_fragments(marked or "", self))


def _fragments(marked: str, markers: Markers) -> Iterator[tuple[str, bool]]:
    for n, piece in enumerate(marked.split(markers.start)):
        inside, _, after = piece.partition(markers.stop) if n else ("", "", piece)
        if inside:
            yield inside, True
        if after:
            yield after, False


class FullText(Protocol):
    def ids_matching(self, index: Indexed, terms: tuple[Term, ...]) -> Select[Any]:
        """The ids of the indexed table's rows whose words match every term, read from the index
        alone: used as `id IN (…)`, so the engine finds the matches once and no plan can test the
        words row by row (SQLite would, walking a time index to save a sort: seconds at 100,000)."""

    def matching(self, query: Select[Any], index: Indexed, terms: tuple[Term, ...]) -> Select[Any]:
        """`query` (over the indexed table) narrowed to rows whose words match every term: for the
        few rows already chosen, to mark their words."""

    def marked(self, index: Indexed, column: int, terms: tuple[Term, ...], markers: Markers,
               whole: bool = False) -> ColumnElement[str]:
        """The column's text with matched words between the markers: an extract of about 24
        words, or `whole` (a title, a name). Only in a query narrowed by `matching`."""


def fts5_expression(terms: tuple[Term, ...]) -> str:
    """Every term, each any of its phrases: '"knife" AND ("+447…" OR "07700 900123")'."""
    def phrase(p: str) -> str:
        return '"' + p.replace('"', '""') + '"'

    def term(t: Term) -> str:
        inner = " OR ".join(phrase(p) for p in t.phrases)
        return f"({inner})" if len(t.phrases) > 1 else inner

    return " AND ".join(term(t) for t in terms)


class Fts5:
    def ids_matching(self, index: Indexed, terms: tuple[Term, ...]) -> Select[Any]:
        fts = f"search_{index.table}"
        return select(literal_column(f"{fts}.rowid")).select_from(table(fts)) \
            .where(text(f"{fts} MATCH :fts_ids").bindparams(fts_ids=fts5_expression(terms)))

    def matching(self, query: Select[Any], index: Indexed, terms: tuple[Term, ...]) -> Select[Any]:
        fts = table(f"search_{index.table}")
        return query.join(fts, literal_column(f"search_{index.table}.rowid") == literal_column(f"{index.table}.id")) \
            .where(text(f"search_{index.table} MATCH :fts_match").bindparams(fts_match=fts5_expression(terms)))

    def marked(self, index: Indexed, column: int, terms: tuple[Term, ...], markers: Markers,
               whole: bool = False) -> ColumnElement[str]:
        fts = literal_column(f"search_{index.table}")
        if whole:
            return func.highlight(fts, column, markers.start, markers.stop)
        return func.snippet(fts, column, markers.start, markers.stop, "…", 24)


class PostgresFullText:
    def ids_matching(self, index: Indexed, terms: tuple[Term, ...]) -> Select[Any]:
        return select(literal_column(f"{index.table}.id")).select_from(table(index.table)) \
            .where(self._vector(index).op("@@")(self._tsquery(index, terms)))

    def matching(self, query: Select[Any], index: Indexed, terms: tuple[Term, ...]) -> Select[Any]:
        return query.where(self._vector(index).op("@@")(self._tsquery(index, terms)))

    def marked(self, index: Indexed, column: int, terms: tuple[Term, ...], markers: Markers,
               whole: bool = False) -> ColumnElement[str]:
        options = f"StartSel={markers.start}, StopSel={markers.stop}, " + (
            "HighlightAll=true" if whole else "MaxWords=24, MinWords=10, ShortWord=2")
        document = func.coalesce(literal_column(f"{index.table}.{index.columns[column]}"), "")
        return func.ts_headline(self._config(index), document, self._tsquery(index, terms), options)

    @staticmethod
    def _config(index: Indexed) -> Any:
        return literal_column(f"'{index.config}'::regconfig")  # a literal: the index's expression

    def _vector(self, index: Indexed) -> Any:
        """Exactly migration 0021's indexed expression, or the planner cannot use the index."""
        joined = " || ' ' || ".join(f"coalesce({index.table}.{c}, '')" for c in index.columns)
        return literal_column(f"to_tsvector('{index.config}'::regconfig, {joined})")

    def _tsquery(self, index: Indexed, terms: tuple[Term, ...]) -> Any:
        def phrase(p: str) -> Any:
            return func.phraseto_tsquery(self._config(index), bindparam(None, p))

        def term(t: Term) -> Any:
            alternatives = [phrase(p) for p in t.phrases]
            combined = alternatives[0]
            for other in alternatives[1:]:
                combined = combined.op("||")(other)
            return combined

        every = term(terms[0])
        for other in terms[1:]:
            every = every.op("&&")(term(other))
        return every


def engine_for(session: Session) -> FullText:
    return PostgresFullText() if session.get_bind().dialect.name == "postgresql" else Fts5()

