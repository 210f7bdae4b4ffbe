"""The second factor: after the password, a TOTP code (pyotp on the fake clock makes them);
required for supervisors and admins by default, enrolled at first sign-in or by
`beacon user totp`; a code works once; recovery codes work once; wrong codes count towards the
lockout. SQLite and PostgreSQL, through the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user, enrol_user_totp
from beacon.store.tables_accounts import StaffTotp
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.conftest import make_beacon
from tests.test_http import PASSWORD


@pytest.fixture
def strict_beacon(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    """The shipped default: supervisors and admins need a second factor."""
    beacon = make_beacon(database_url, tmp_path, clock, totp_required_roles="supervisor,admin")
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
        create_user(session, force_slug="demo", username="hal", password=PASSWORD, role=Role.HANDLER)
    yield beacon
    beacon.engine.dispose()


@pytest.fixture
def client(strict_beacon: Beacon) -> Iterator[TestClient]:
    with TestClient(create_app(strict_beacon)) as test_client:
        yield test_client


def csrf(page_text: str) -> str:
    return page_text.split('name="csrf_token" value="')[1].split('"')[0]


def password_step(client: TestClient, username: str) -> str:
    """Sign in with the password; returns where the app sends the browser next."""
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token,
                                           "next": "/incidents"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def send_code(client: TestClient, path: str, code: str) -> httpx.Response:
    token = csrf(client.get(path).text)
    return client.post(path, data={"code": code, "csrf_token": token}, follow_redirects=False)


def signed_in(client: TestClient) -> bool:
    return client.get("/api/v1/cases").status_code == 200


def enrolled_secret(beacon: Beacon, clock: FakeClock, username: str = "sue") -> tuple[str, list[str]]:
    with beacon.session_factory.begin() as session:
        enrolment, codes = enrol_user_totp(session, username, "Beacon", clock.now())
    return enrolment.secret, codes


def test_a_handler_without_a_second_factor_signs_in_with_the_password(client: TestClient) -> None:
    assert password_step(client, "hal") == "/incidents"
    assert signed_in(client)


def test_a_supervisor_enrols_at_first_sign_in(client: TestClient, strict_beacon: Beacon,
                                             clock: FakeClock) -> None:
    assert password_step(client, "sue") == "/login/enrol"
    assert not signed_in(client)  # the password alone opens nothing
    page = client.get("/login/enrol").text
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    assert "<svg" in page  # the QR code, inline
    assert send_code(client, "/login/enrol", "000000").status_code == 400
    confirmed = send_code(client, "/login/enrol", pyotp.TOTP(secret).at(clock.now()))
    assert confirmed.status_code == 200 and "recovery codes" in confirmed.text
    assert len(re.findall(r"<li><code>[0-9a-f]{8}-[0-9a-f]{8}</code></li>", confirmed.text)) == 10
    assert signed_in(client)
    with strict_beacon.read_session_factory() as session:
        assert session.scalars(select(StaffTotp)).one().confirmed_at == clock.now()


def test_an_enrolled_user_needs_a_current_code_and_each_code_works_once(
        client: TestClient, strict_beacon: Beacon, clock: FakeClock) -> None:
    secret, _ = enrolled_secret(strict_beacon, clock)
    totp = pyotp.TOTP(secret)
    assert password_step(client, "sue") == "/login/code"
    assert send_code(client, "/login/code", totp.at(clock.now() - timedelta(minutes=10))).status_code == 400
    done = send_code(client, "/login/code", totp.at(clock.now()))
    assert done.headers["location"] == "/incidents" and signed_in(client)
    replay = TestClient(create_app(strict_beacon))
    password_step(replay, "sue")
    assert send_code(replay, "/login/code", totp.at(clock.now())).status_code == 400
    clock.advance(seconds=30)
    assert send_code(replay, "/login/code", totp.at(clock.now())).status_code == 303


def test_a_recovery_code_signs_in_once(client: TestClient, strict_beacon: Beacon, clock: FakeClock) -> None:
    _, codes = enrolled_secret(strict_beacon, clock)
    password_step(client, "sue")
    assert send_code(client, "/login/code", codes[3]).status_code == 303
    other = TestClient(create_app(strict_beacon))
    password_step(other, "sue")
    assert send_code(other, "/login/code", codes[3]).status_code == 400


def test_wrong_codes_count_towards_the_lockout(client: TestClient, strict_beacon: Beacon,
                                              clock: FakeClock) -> None:
    secret, _ = enrolled_secret(strict_beacon, clock)
    password_step(client, "sue")
    statuses = [send_code(client, "/login/code", "123456").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"username": "sue", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429  # locked: the password does not reach the code step
    with strict_beacon.read_session_factory() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).all()
    assert len(failed) == 5


def test_the_code_step_lapses_after_five_minutes(client: TestClient, strict_beacon: Beacon,
                                                 clock: FakeClock) -> None:
    secret, _ = enrolled_secret(strict_beacon, clock)
    password_step(client, "sue")
    clock.advance(minutes=6)
    assert client.get("/login/code", follow_redirects=False).headers["location"] == "/login"
    assert not signed_in(client)


def test_a_relaxed_setting_lets_supervisors_in_with_a_password(any_beacon: Beacon) -> None:
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
    client = TestClient(create_app(any_beacon))  # conftest's Beacon: totp_required_roles=""
    assert password_step(client, "sue") == "/incidents"


def test_beacon_user_totp_prints_the_key_once_and_ends_sessions(
        tmp_path: Path, strict_beacon: Beacon, clock: FakeClock) -> None:
    _register()
    client = TestClient(create_app(strict_beacon))
    assert password_step(client, "hal") == "/incidents"
    # The same var/ as the server: the command seals the secret with the key the server opens it with.
    env = {"BEACON_DATABASE_URL": strict_beacon.settings.database_url,
           "BEACON_VAR_DIR": str(strict_beacon.settings.var_dir)}
    result = CliRunner().invoke(app, ["user", "totp", "hal"], env=env)
    assert result.exit_code == 0, result.output
    secret = re.search(r"key:\s+([A-Z2-7]{32})", result.output).group(1)  # type: ignore[union-attr]
    assert not signed_in(client)
    assert password_step(client, "hal") == "/login/code"
    assert send_code(client, "/login/code", pyotp.TOTP(secret).at(clock.now())).status_code == 303
    again = CliRunner().invoke(app, ["user", "totp", "hal"], env=env)
    assert again.exit_code == 2 and "--replace" in again.output
