"""Nothing lost, nothing doubled: concurrent duplicates, unreadable payloads kept and retried."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.intake import meta
from beacon.intake.errors import PayloadMalformed
from beacon.store.tables import DeadLetter, Message
from beacon.web.app import create_app
from tests.channels.conftest import count
from tests.channels.servers import serving
from tests.channels.signing import meta_headers
from tests.intake.intake_fixtures import fixture_bytes

CONCURRENT = 64


def test_64_concurrent_deliveries_of_one_payload_store_one_message(any_chan_beacon: Beacon) -> None:
    body = fixture_bytes("whatsapp", "text_with_context.json")
    headers = meta_headers(body)
    start = threading.Barrier(CONCURRENT)
    statuses: list[int] = []

    def deliver(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            statuses.append(client.post("/webhooks/whatsapp", content=body, headers=headers).status_code)

    with serving(create_app(any_chan_beacon)) as base:
        threads = [threading.Thread(target=deliver, args=(base,)) for _ in range(CONCURRENT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * CONCURRENT
    with any_chan_beacon.read_session_factory() as session:
        stored = list(session.scalars(select(Message)))
    assert len(stored) == 1
    assert stored[0].state == "processed"


COPIES = 20


def test_20_concurrent_copies_of_one_bad_body_make_one_dead_letter_with_a_count(
    any_chan_beacon: Beacon,
) -> None:
    # Verified but unreadable: every copy is acknowledged, and all of them land on one row.
    body = b'{"object": "page", "entry": "not a list"}'
    headers = meta_headers(body)
    start = threading.Barrier(COPIES)
    statuses: list[int] = []

    def deliver(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            statuses.append(client.post("/webhooks/meta", content=body, headers=headers).status_code)

    with serving(create_app(any_chan_beacon)) as base:
        threads = [threading.Thread(target=deliver, args=(base,)) for _ in range(COPIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * COPIES
    with any_chan_beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))
    assert letter.copies == COPIES and letter.raw_body == body.decode()
    assert letter.last_seen_at is not None and letter.last_seen_at >= letter.received_at


def test_a_copy_of_a_resolved_letters_body_reopens_it_and_other_bodies_get_their_own_row(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    from datetime import UTC, datetime

    first = b'{"object": "page", "entry": "not a list"}'
    other = b'{"object": "page", "entry": 7}'
    for body in (first, first, other):
        chan_client.post("/webhooks/meta", content=body, headers=meta_headers(body))
    with chan_beacon.session_factory.begin() as session:
        letters = list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
        assert [(row.raw_body, row.copies) for row in letters] == [(first.decode(), 2), (other.decode(), 1)]
        letters[0].resolved_at = datetime(2024, 11, 28, tzinfo=UTC)
    chan_client.post("/webhooks/meta", content=first, headers=meta_headers(first))
    with chan_beacon.read_session_factory() as session:
        reopened = session.get_one(DeadLetter, letters[0].id)
    assert reopened.copies == 3 and reopened.resolved_at is None


def test_a_verified_but_unreadable_payload_is_acknowledged_and_kept(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    body = b'{"object": "page", "entry": "not a list"}'
    response = chan_client.post("/webhooks/meta", content=body, headers=meta_headers(body))
    assert response.status_code == 200
    with chan_beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))
    assert letter.source == "webhook:meta"
    assert letter.raw_body == body.decode()
    assert letter.reason.startswith("payload_malformed")
    assert response.json()["dead_letter"] == letter.id


def test_rejected_items_are_dead_lettered_and_their_neighbours_stored(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    good = json.loads(fixture_bytes("meta", "messenger_text.json"))
    broken = json.loads(json.dumps(good["entry"][0]))
    broken["messaging"][0]["sender"] = "not an object"
    good["entry"].append(broken)
    body = json.dumps(good).encode()
    assert chan_client.post("/webhooks/meta", content=body, headers=meta_headers(body)).status_code == 200
    assert count(chan_beacon, Message) >= 1
    with chan_beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))
    assert "rejected" in letter.reason and letter.resolved_at is None


def test_a_dead_letter_is_reprocessed_once_the_parser_is_fixed(
    chan_client: TestClient, chan_beacon: Beacon, monkeypatch: pytest.MonkeyPatch
) -> None:
    from beacon.intake.deadletters import retry_dead_letter

    body = fixture_bytes("meta", "messenger_text.json")
    real_parse = meta.parse

    def broken_parse(*args: object, **kwargs: object) -> object:
        raise PayloadMalformed("a parser bug", path="$.entry")

    monkeypatch.setattr(meta, "parse", broken_parse)
    chan_client.post("/webhooks/meta", content=body, headers=meta_headers(body))
    assert count(chan_beacon, Message) == 0
    with chan_beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))

    assert retry_dead_letter(chan_beacon, letter.id).resolved is False  # still broken
    monkeypatch.setattr(meta, "parse", real_parse)
    outcome = retry_dead_letter(chan_beacon, letter.id)
    assert outcome.resolved and outcome.stored == 1
    with chan_beacon.read_session_factory() as session:
        assert session.get(DeadLetter, letter.id).resolved_at is not None  # type: ignore[union-attr]
        assert session.scalar(select(Message.state)) == "processed"
    # A second retry (or the provider's own retry) stores nothing new.
    chan_client.post("/webhooks/meta", content=body, headers=meta_headers(body))
    assert count(chan_beacon, Message) == 1
