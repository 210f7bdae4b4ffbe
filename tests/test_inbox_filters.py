"""The inbox narrows to one queue, channel, category or beat, and keeps it while it refreshes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from beacon.bootstrap import Beacon
from beacon.cases.access import force_wide
from beacon.cases.queries import InboxFilter, inbox
from beacon.staff.accounts import Role, create_user
from beacon.web.app import create_app
from tests.builders import inbound
from tests.test_http import PASSWORD, sign_in


@pytest.fixture
def stocked(beacon: Beacon) -> Beacon:
    beacon.ingest([
        inbound(channel="sms", author={"id": "+447700900301"}, text="He has a knife outside the chippy"),
        inbound(channel="email", channel_account="contact@force.invalid", author={"id": "jo@example.org"},
                text="My bike was stolen from the station"),
    ])
    return beacon


def _titles(beacon: Beacon, filters: InboxFilter) -> list[str]:
    with beacon.read_session_factory() as session:
        return [row.title for row in inbox(session, force_wide(1), filters=filters)]


def test_filters_by_channel_and_category(stocked: Beacon) -> None:
    assert len(_titles(stocked, InboxFilter())) == 2
    assert _titles(stocked, InboxFilter(channel="email")) == ["My bike was stolen from the station"]
    assert _titles(stocked, InboxFilter(category="crime")) == ["My bike was stolen from the station"]
    assert _titles(stocked, InboxFilter(category="violence")) == ["He has a knife outside the chippy"]
    assert _titles(stocked, InboxFilter(channel="x")) == []


def test_filters_by_queue(stocked: Beacon) -> None:
    with stocked.read_session_factory() as session:
        rows = inbox(session, force_wide(1))
        from beacon.store.tables import Case

        team_ids = {session.get_one(Case, row.id).team_id for row in rows}
    for team_id in team_ids:
        assert _titles(stocked, InboxFilter(team_id=team_id))


@pytest.fixture
def client(stocked: Beacon) -> Iterator[TestClient]:
    with stocked.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(stocked)) as test_client:
        yield test_client


def test_the_page_and_its_refresh_honour_the_filter(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/", params={"channel": "email"})
    assert "My bike was stolen" in page.text and "He has a knife" not in page.text
    assert 'id="inbox-filters"' in page.text and 'hx-include="#inbox-filters"' in page.text
    rows = client.get("/inbox/rows", params={"channel": "sms", "team": "", "category": "", "beat": ""})
    assert "He has a knife" in rows.text and "My bike" not in rows.text
    assert client.get("/inbox/rows", params={"team": "not-a-number"}).status_code == 200


def test_filters_by_beat_on_sqlite_and_postgres(any_beacon: Beacon) -> None:
    from beacon.store.tables import Message

    [accepted] = any_beacon.ingest([inbound(author={"id": "+447700900302"}, text="He has a knife on Mill Lane")])
    any_beacon.ingest([inbound(author={"id": "+447700900303"}, text="My phone was stolen")])
    with any_beacon.session_factory.begin() as session:
        message = session.get_one(Message, accepted.message_id)
        message.triage = {**(message.triage or {}), "place": {"beat": "BH-TC", "postcode": "BB11 1AA"}}
    with any_beacon.read_session_factory() as session:
        rows = inbox(session, force_wide(1), filters=InboxFilter(beat="BH-TC"))
        from beacon.cases.queries import inbox_choices

        assert inbox_choices(session, force_wide(1))["beats"] == ["BH-TC"]
    assert [row.title for row in rows] == ["He has a knife on Mill Lane"]
