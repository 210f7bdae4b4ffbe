"""Sessions live in the database: a copied cookie stops working the moment the session ends
(sign-out, password change, role change, an administrator's revoke), when it has been idle
too long, and when it is older than its lifetime. SQLite and PostgreSQL, through the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user, revoke_sessions, set_password, set_role
from beacon.store.tables_accounts import StaffSession
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.test_http import PASSWORD, sign_in


@pytest.fixture
def client(any_beacon: Beacon) -> Iterator[TestClient]:
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.SUPERVISOR)
    with TestClient(create_app(any_beacon)) as test_client:
        yield test_client


def copy_of(client: TestClient, beacon: Beacon) -> TestClient:
    """A second browser holding a copy of the first one's cookie (what a thief would have)."""
    thief = TestClient(create_app(beacon))
    thief.cookies.set("beacon_session", client.cookies["beacon_session"])
    return thief


def signed_in(client: TestClient) -> bool:
    return client.get("/api/v1/cases").status_code == 200


def test_the_cookie_names_a_session_row_and_holds_no_user_id(client: TestClient, any_beacon: Beacon) -> None:
    sign_in(client, "ann")
    with any_beacon.read_session_factory() as session:
        rows = list(session.scalars(select(StaffSession)))
    assert len(rows) == 1 and rows[0].revoked_at is None
    assert signed_in(copy_of(client, any_beacon))  # the copy works while the session lives


def test_a_copied_cookie_is_refused_after_sign_out(client: TestClient, any_beacon: Beacon) -> None:
    token = sign_in(client, "ann")
    thief = copy_of(client, any_beacon)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert not signed_in(thief)
    assert not signed_in(client)


def test_a_copied_cookie_is_refused_after_a_password_change(client: TestClient, any_beacon: Beacon,
                                                             clock: FakeClock) -> None:
    sign_in(client, "ann")
    thief = copy_of(client, any_beacon)
    with any_beacon.session_factory.begin() as session:
        set_password(session, "ann", "a brand new passphrase", clock.now())
    assert not signed_in(thief) and not signed_in(client)


def test_a_copied_cookie_is_refused_after_a_role_change(client: TestClient, any_beacon: Beacon,
                                                         clock: FakeClock) -> None:
    sign_in(client, "ann")
    thief = copy_of(client, any_beacon)
    with any_beacon.session_factory.begin() as session:
        set_role(session, "ann", Role.HANDLER, clock.now())
    assert not signed_in(thief)
    with any_beacon.read_session_factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.reason == "role changed")).one()
    assert event.data == {"from": "supervisor", "to": "handler", "sessions_ended": 1}


def test_a_copied_cookie_is_refused_after_an_admins_revoke(client: TestClient, any_beacon: Beacon,
                                                            clock: FakeClock) -> None:
    sign_in(client, "ann")
    other_browser = TestClient(create_app(any_beacon))
    sign_in(other_browser, "ann")
    thief = copy_of(client, any_beacon)
    with any_beacon.session_factory.begin() as session:
        assert revoke_sessions(session, "ann", clock.now()) == 2
    assert not signed_in(thief) and not signed_in(other_browser)


def test_an_idle_session_ends_and_a_used_one_lives_on(client: TestClient, any_beacon: Beacon,
                                                      clock: FakeClock) -> None:
    sign_in(client, "ann")
    thief = copy_of(client, any_beacon)
    for _ in range(4):  # two hours of work, a request every 25 minutes: never idle for 30
        clock.advance(minutes=25)
        assert signed_in(client)
    clock.advance(minutes=31)
    assert not signed_in(thief) and not signed_in(client)


def test_a_busy_session_still_ends_at_its_lifetime(client: TestClient, any_beacon: Beacon,
                                                   clock: FakeClock) -> None:
    sign_in(client, "ann")
    for _ in range(12 * 4 + 1):  # a request every 15 minutes, past twelve hours
        clock.advance(minutes=15)
        if not signed_in(client):
            break
    assert not signed_in(client)
    with any_beacon.read_session_factory() as session:
        started = session.scalars(select(StaffSession)).one().created_at
    assert timedelta(hours=12) < clock.now() - started <= timedelta(hours=12, minutes=15)


def test_revoke_sessions_from_the_command_line(tmp_path: Path, any_beacon: Beacon) -> None:
    _register()
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="bo", password=PASSWORD, role=Role.HANDLER)
    client = TestClient(create_app(any_beacon))
    sign_in(client, "bo")
    env = {"BEACON_DATABASE_URL": any_beacon.settings.database_url, "BEACON_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["user", "revoke-sessions", "bo"], env=env)
    assert result.exit_code == 0 and "ended 1 session(s) of bo" in result.output
    assert not signed_in(client)
    assert CliRunner().invoke(app, ["user", "revoke-sessions", "nobody"], env=env).exit_code == 2
