"""Reading a search (beacon.search.query) and building each engine's query from it
(beacon.search.fulltext): pure, no database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from beacon.search.fulltext import MESSAGES, Markers, PostgresFullText, fts5_expression
from beacon.search.query import MAX_LENGTH, BadQuery, Term, parse_query
from beacon.store.tables import Message


def test_a_uk_number_written_any_way_is_one_e164_number_and_every_spelling_of_it() -> None:
    for typed in ("07700 900123", "07700900123", "+44 7700 900123", "+447700900123"):
        query = parse_query(typed)
        assert query.phones == ("+447700900123",), typed
        assert query.terms == (Term(("+447700900123", "07700900123", "07700 900123")),)
        assert query.words == ()


def test_a_year_or_a_house_number_is_a_word_not_a_phone_number() -> None:
    assert parse_query("2026").phones == () and parse_query("2026").words == ("2026",)
    assert parse_query("flat 12").words == ("flat", "12")


def test_case_references_and_crime_numbers_are_read_as_references_in_upper_case() -> None:
    query = parse_query("bc-261128-0042 and wb/46103/25")
    assert query.references == ("BC-261128-0042", "WB-46103-25")
    assert query.words == ("and",)


def test_addresses_are_lower_cased_and_handles_lose_their_at_sign() -> None:
    query = parse_query("Ann.Smith@Example.ORG @Dan_W")
    assert query.emails == ("ann.smith@example.org",)
    assert query.handles == ("Dan_W",)
    assert query.words == ()


def test_words_are_folded_once_each_and_an_apostrophe_keeps_a_name_whole() -> None:
    query = parse_query("  O'Brien   STAIRS stairs (knife)!  ")
    assert query.raw == "O'Brien STAIRS stairs (knife)!"
    assert query.words == ("o'brien", "stairs", "knife")


@pytest.mark.parametrize(("typed", "code"), [
    ("", "empty_query"), ("   ", "empty_query"), ("x" * (MAX_LENGTH + 1), "query_too_long"),
    ("!!! ...", "nothing_to_search"), (" ".join(f"w{i}" for i in range(13)), "too_many_terms"),
])
def test_what_is_not_a_search_is_refused_with_a_stable_code(typed: str, code: str) -> None:
    with pytest.raises(BadQuery) as refused:
        parse_query(typed)
    assert refused.value.code == code


def test_the_fts5_expression_quotes_every_phrase_so_input_is_never_an_operator() -> None:
    terms = (Term(("knife",)), Term(('say "NEAR" OR x*',)), Term(("+447700900123", "07700 900123")))
    assert fts5_expression(terms) == \
        '"knife" AND "say ""NEAR"" OR x*" AND ("+447700900123" OR "07700 900123")'


def test_the_postgres_query_binds_every_phrase_and_repeats_the_indexed_expression() -> None:
    terms = parse_query("knife 07700 900123").terms
    query = PostgresFullText().matching(select(Message.id), MESSAGES, terms)
    compiled = query.compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert "to_tsvector('beacon_english'::regconfig, coalesce(messages.text, ''))" in sql
    assert sql.count("phraseto_tsquery('beacon_english'::regconfig") == 4  # knife, and three spellings
    assert "knife" not in sql and "07700" not in sql  # the words travel as parameters only
    assert set(compiled.params.values()) == {"knife", "+447700900123", "07700900123", "07700 900123"}


def test_snippet_markers_split_into_plain_pieces_and_text_cannot_forge_them() -> None:
    markers = Markers.fresh()
    marked = f"on the {markers.start}stairs{markers.stop} <b>now</b> qs0q"
    assert markers.fragments(marked) == (("on the ", False), ("stairs", True), (" <b>now</b> qs0q", False))
    assert Markers.fresh() != markers
    assert markers.fragments(None) == ()
