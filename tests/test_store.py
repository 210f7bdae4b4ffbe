"""The store on SQLite and PostgreSQL: migrations, and each provider message stored once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.store.schema import is_modelled, metadata
from beacon.store.tables import Message
from tests.builders import inbound


def test_migrations_match_the_models(any_beacon: Beacon) -> None:
    with any_beacon.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": is_modelled}), metadata)
    assert diff == []


def test_same_provider_message_twice_is_stored_once(any_beacon: Beacon) -> None:
    message = inbound(provider_message_id="SM-dup-1")
    first = any_beacon.store([message])
    second = any_beacon.store([message])
    assert [a.duplicate for a in first + second] == [False, True]
    assert first[0].message_id == second[0].message_id
    with any_beacon.read_session_factory() as session:
        assert session.scalar(select(func.count(Message.id))) == 1


def test_repeats_inside_one_batch_are_duplicates(any_beacon: Beacon) -> None:
    a, b = inbound(provider_message_id="A"), inbound(provider_message_id="B")
    accepted = any_beacon.store([a, b, a])
    assert [x.duplicate for x in accepted] == [False, False, True]
    assert accepted[0].message_id == accepted[2].message_id


def test_same_id_on_another_account_is_another_message(any_beacon: Beacon) -> None:
    accepted = any_beacon.store(
        [inbound(provider_message_id="X1"), inbound(provider_message_id="X1", channel_account="+447700900999")]
    )
    assert [x.duplicate for x in accepted] == [False, False]


def test_concurrent_deliveries_store_one_row(any_beacon: Beacon) -> None:
    message = inbound(provider_message_id="SM-race")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: any_beacon.store([message])[0], range(16)))
    assert sum(not r.duplicate for r in results) == 1
    assert len({r.message_id for r in results}) == 1


def test_stored_times_come_back_in_utc(any_beacon: Beacon) -> None:
    message = inbound(created_at="2026-11-29T01:15:00+01:00")
    [accepted] = any_beacon.store([message])
    with any_beacon.read_session_factory() as session:
        row = session.get_one(Message, accepted.message_id)
    assert row.created_at.isoformat() == "2026-11-29T00:15:00+00:00"
    assert row.raw is None and row.text == message.text
