"""Search on SQLite (FTS5) and PostgreSQL (tsvector and GIN): what each kind of query finds,
that the index follows every write (the pipeline's batch path included), and that scoping
never lets a user find what beacon.cases.access hides from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from beacon.bootstrap import Beacon
from beacon.cases.access import force_wide
from beacon.clock import FakeClock
from beacon.search.query import parse_query
from beacon.search.service import Results, search
from beacon.store.tables import Case, Identity, Message, Person
from tests.conftest import make_beacon
from tests.search.search_world import SearchWorld, access_for, build


@pytest.fixture
def world(any_beacon: Beacon) -> SearchWorld:
    return build(any_beacon)


def find(beacon: Beacon, typed: str, username: str = "sue") -> Results:
    with beacon.read_session_factory() as session:
        return search(session, access_for(beacon, username), parse_query(typed))


def ids(results: Results, kind: str) -> list[int]:
    return [hit.id for hit in results.groups[kind]]


def test_words_find_the_message_and_its_case_with_the_words_marked(any_beacon: Beacon, world: SearchWorld) -> None:
    results = find(any_beacon, "STAIR knife")  # stemmed: stair finds stairs; any case
    [message] = results.groups["message"]
    assert message.id == world.open.message_id
    assert message.url == f"/cases/{world.open.case_id}#message-{world.open.message_id}"
    assert [t for t, match in message.snippet if match] == ["stairs", "knife"]
    assert "".join(t for t, _ in message.snippet) == "Someone is on the stairs with a knife, please hurry"
    assert ids(results, "case") == [world.open.case_id]


def test_every_word_must_appear(any_beacon: Beacon, world: SearchWorld) -> None:
    assert ids(find(any_beacon, "knife"), "message") == [world.hidden.message_id, world.open.message_id]
    assert find(any_beacon, "knife giraffe").total == 0


def test_a_phone_number_typed_nationally_finds_the_person_their_identity_and_case(
        any_beacon: Beacon, world: SearchWorld) -> None:
    results = find(any_beacon, "07700 900123")
    assert ids(results, "person") == [world.open.person_id]
    assert [h.title for h in results.groups["identity"]] == ["+447700900123"]
    assert ids(results, "case") == [world.open.case_id]
    assert results.groups["identity"][0].url == f"/persons/{world.open.person_id}"


def test_a_name_finds_the_person_and_the_identity(any_beacon: Beacon, world: SearchWorld) -> None:
    results = find(any_beacon, "wilson")
    assert ids(results, "person") == [world.open.person_id]
    assert [t for t, match in results.groups["person"][0].snippet if match] == ["Wilson"]
    assert len(results.groups["identity"]) == 1


def test_a_handle_finds_its_identity_with_or_without_the_at_sign(any_beacon: Beacon, world: SearchWorld) -> None:
    with any_beacon.session_factory.begin() as session:
        session.execute(update(Identity).where(Identity.person_id == world.open.person_id).values(handle="@Dan_W"))
    for typed in ("@dan_w", "@DAN_W stairs"):
        results = find(any_beacon, typed)
        assert [h.title for h in results.groups["identity"]] == ["@Dan_W"], typed
        assert ids(results, "person") == [world.open.person_id], typed
    assert find(any_beacon, "@dan_w", "hal").groups["identity"]  # not hidden: General's


def test_a_case_reference_and_a_quoted_crime_number_find_their_case(any_beacon: Beacon, world: SearchWorld) -> None:
    assert ids(find(any_beacon, world.open.reference.lower()), "case") == [world.open.case_id]
    quoted = find(any_beacon, "wb/46103/25")
    [reference] = quoted.groups["reference"]
    assert reference.title == "WB-46103-25" and reference.url == f"/cases/{world.hidden.case_id}#message-{world.hidden.message_id}"
    assert ids(quoted, "message") == [world.hidden.message_id]  # the text quotes it too


def test_another_forces_records_are_never_found(any_beacon: Beacon, world: SearchWorld) -> None:
    for typed in ("ostrich", "nora", "07700 900789", world.north.reference):
        results = find(any_beacon, typed)
        assert world.north.message_id not in ids(results, "message"), typed
        assert world.north.case_id not in ids(results, "case"), typed
        assert world.north.person_id not in ids(results, "person"), typed
    with any_beacon.read_session_factory() as session:  # the positive control: North finds its own
        north = search(session, force_wide(world_north_force(any_beacon)), parse_query("ostrich"))
    assert ids(north, "message") == [world.north.message_id]


def world_north_force(beacon: Beacon) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalars(select(Case.force_id).where(Case.reference.like("NF-%"))).one())


@pytest.mark.parametrize("typed", ["ostrich", "stepfather knife", "kim", "07700 900456", "WB-46103-25"])
def test_a_restricted_teams_case_its_messages_and_its_author_are_found_only_by_who_may_see_them(
        any_beacon: Beacon, world: SearchWorld, typed: str) -> None:
    hidden = (world.hidden.message_id, world.hidden.case_id, world.hidden.person_id)
    outsider = find(any_beacon, typed, "hal")
    shown = {*ids(outsider, "message"), *ids(outsider, "case"), *ids(outsider, "person"), *ids(outsider, "reference")}
    assert outsider.total == 0 and not shown & set(hidden), typed
    for insider in ("sam", "sue"):
        assert find(any_beacon, typed, insider).total > 0, (typed, insider)


def test_the_index_follows_updates_and_deletes(any_beacon: Beacon, world: SearchWorld) -> None:
    with any_beacon.session_factory.begin() as session:
        session.execute(update(Message).where(Message.id == world.open.message_id).values(text="redacted words"))
        session.execute(update(Person).where(Person.id == world.open.person_id).values(display_name="Daniel Smith"))
        session.execute(update(Identity).where(Identity.person_id == world.open.person_id)
                        .values(display_name="Daniel Smith"))
    assert world.open.message_id not in ids(find(any_beacon, "stairs"), "message")
    assert ids(find(any_beacon, "redacted"), "message") == [world.open.message_id]
    assert find(any_beacon, "wilson").total == 0
    assert ids(find(any_beacon, "daniel"), "person") == [world.open.person_id]


def test_the_batch_write_path_is_indexed_by_the_triggers(any_beacon: Beacon) -> None:
    """The pipeline writes cases, persons and identities with Core executemany: found at once."""
    build(any_beacon)
    with any_beacon.read_session_factory() as session:
        case_title = session.scalars(select(Case.title).where(Case.reference.like("BC-%"))).first()
    assert case_title and find(any_beacon, "hurry").groups["case"]


@pytest.mark.postgres
def test_postgres_answers_from_the_gin_indexes(postgres_url: str, tmp_path: Path, clock: FakeClock) -> None:
    """The queries repeat migration 0021's expressions exactly, or the planner could not use them."""
    beacon = make_beacon(postgres_url, tmp_path, clock)
    try:
        build(beacon)
        with beacon.read_session_factory() as session:
            session.execute(text("SET enable_seqscan = off"))
            plans = []
            for sql in _explained_queries(session):
                plans.append("\n".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}"))))
        for index, plan in zip(("ix_search_messages", "ix_search_cases", "ix_search_persons", "ix_search_identities"),
                               plans, strict=True):
            assert index in plan, plan
    finally:
        beacon.engine.dispose()


def _explained_queries(session: object) -> Iterator[str]:
    from sqlalchemy.dialects import postgresql

    from beacon.search.fulltext import CASES, IDENTITIES, MESSAGES, PERSONS, PostgresFullText

    terms = parse_query("knife").terms
    for index, model in ((MESSAGES, Message), (CASES, Case), (PERSONS, Person), (IDENTITIES, Identity)):
        query = PostgresFullText().matching(select(model.id), index, terms)
        yield str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_the_migration_goes_down_and_up_and_rebuilds_the_index_from_the_rows(
        any_beacon: Beacon, world: SearchWorld) -> None:
    from beacon.store.migrate import downgrade, upgrade

    downgrade(any_beacon.engine, "0021-1")
    with any_beacon.engine.connect() as conn:
        left = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'search_%'") if
                            any_beacon.engine.dialect.name == "sqlite" else
                            text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_search_%'")).all()
    assert left == []
    upgrade(any_beacon.engine)
    assert ids(find(any_beacon, "stairs"), "message") == [world.open.message_id]  # rebuilt from the rows
