"""Guessing passwords: five failures lock an account for ten minutes (even the right password
is refused), an address that fails too often is refused, each is audited, and the page says
the same thing for a real and an unknown name. SQLite and PostgreSQL, through the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import User
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.test_http import PASSWORD

TRY_LATER = "Too many failed sign-ins"


@pytest.fixture
def client(any_beacon: Beacon) -> Iterator[TestClient]:
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(any_beacon)) as test_client:
        yield test_client


def attempt(client: TestClient, username: str, password: str) -> int:
    """One sign-in through the form; every test client comes from one address ("testclient")."""
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    return response.status_code


def events(beacon: Beacon, action: str) -> list[AuditEvent]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_five_failures_lock_the_account_for_ten_minutes(client: TestClient, any_beacon: Beacon,
                                                        clock: FakeClock) -> None:
    assert [attempt(client, "ann", "wrong guess") for _ in range(5)] == [400, 400, 400, 400, 429]
    assert attempt(client, "ann", PASSWORD) == 429  # the right password does not get through a lock
    clock.advance(minutes=9, seconds=59)
    assert attempt(client, "ann", PASSWORD) == 429
    clock.advance(seconds=2)
    assert attempt(client, "ann", PASSWORD) == 303
    failed = events(any_beacon, "sign_in_failed")
    assert len(failed) == 5 and failed[-1].data["account_locked"] is True
    assert failed[0].object_type == "user" and failed[0].data["address"] == "testclient"
    assert len(events(any_beacon, "sign_in_refused")) == 2


def test_a_success_starts_the_count_again(client: TestClient) -> None:
    for _ in range(4):
        attempt(client, "ann", "wrong guess")
    assert attempt(client, "ann", PASSWORD) == 303
    client.cookies.clear()
    assert [attempt(client, "ann", "wrong guess") for _ in range(4)] == [400] * 4


def test_the_page_reads_the_same_for_an_unknown_name(client: TestClient, any_beacon: Beacon) -> None:
    real = [attempt(client, "ann", "wrong guess") for _ in range(6)]
    unknown = [attempt(client, "nobody", "wrong guess") for _ in range(6)]
    assert real == unknown == [400, 400, 400, 400, 429, 429]
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    page = client.post("/login", data={"username": "nobody", "password": "x", "csrf_token": token})
    assert TRY_LATER in page.text and "try again" in page.text
    stray = [e for e in events(any_beacon, "sign_in_failed") if e.object_type == "sign_in"]
    assert len(stray) == 5 and all("nobody" not in str(e.data) for e in stray)  # the typed name is not kept


def test_one_address_failing_across_many_names_is_refused(any_beacon: Beacon, clock: FakeClock) -> None:
    any_beacon.settings.sign_in_address_max_failures = 8
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    client = TestClient(create_app(any_beacon))
    spray = [attempt(client, f"name{i}", "Summer2026!") for i in range(8)]
    assert spray == [400] * 7 + [429]
    assert attempt(client, "ann", PASSWORD) == 429  # this address now waits, whatever the name
    assert events(any_beacon, "sign_in_refused")[-1].data["locked"] == ["address"]
    clock.advance(minutes=11)
    assert attempt(client, "ann", PASSWORD) == 303


def test_locking_an_account_leaves_its_user_row_alone(client: TestClient, any_beacon: Beacon) -> None:
    for _ in range(5):
        attempt(client, "ann", "wrong guess")
    with any_beacon.read_session_factory() as session:
        assert session.scalars(select(User).where(User.username == "ann")).one().active
