"""TOTP secrets are sealed at rest with a key outside the database: the row holds no plain
secret, codes still sign in, a secret stored before sealing keeps working and is sealed (at
migrate and on first use), and a sealed secret moved to another row or read with another key
does not open. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user, enrol_user_totp
from beacon.staff.totp import verify_second_factor
from beacon.staff.totp_sealing import SecretUnreadable, open_secret
from beacon.store.tables import User
from beacon.web.app import create_app
from tests.conftest import make_beacon
from tests.test_http import PASSWORD


def stored_secret(beacon: Beacon, user_id: int) -> str:
    with beacon.engine.connect() as conn:
        return str(conn.execute(text("SELECT secret FROM staff_totp WHERE user_id = :u"), {"u": user_id}).scalar_one())


def store_plain(beacon: Beacon, user_id: int, secret: str) -> None:
    with beacon.engine.begin() as conn:
        conn.execute(text("UPDATE staff_totp SET secret = :s WHERE user_id = :u"), {"s": secret, "u": user_id})


def enrolled(beacon: Beacon, clock: FakeClock, username: str) -> tuple[int, str]:
    with beacon.session_factory.begin() as session:
        user = create_user(session, force_slug="demo", username=username, password=PASSWORD, role=Role.SUPERVISOR)
        enrolment, _ = enrol_user_totp(session, username, "Beacon", clock.now())
        return user.id, enrolment.secret


def sign_in_with_code(beacon: Beacon, username: str, code: str) -> int:
    with TestClient(create_app(beacon)) as client:
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        step = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
        assert step.headers["location"] == "/login/code"
        token = client.get("/login/code").text.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post("/login/code", data={"code": code, "csrf_token": token},
                           follow_redirects=False).status_code


def test_the_row_holds_no_plain_secret_and_a_code_still_signs_in(any_beacon: Beacon, clock: FakeClock) -> None:
    user_id, secret = enrolled(any_beacon, clock, "sue")
    stored = stored_secret(any_beacon, user_id)
    assert stored.startswith("v1:") and secret not in stored and secret.lower() not in stored.lower()
    assert sign_in_with_code(any_beacon, "sue", pyotp.TOTP(secret).at(clock.now())) == 303


def test_a_secret_stored_before_sealing_still_works_and_is_sealed_on_first_use(
    any_beacon: Beacon, clock: FakeClock
) -> None:
    user_id, secret = enrolled(any_beacon, clock, "sue")
    store_plain(any_beacon, user_id, secret)  # as 0015 left it
    assert sign_in_with_code(any_beacon, "sue", pyotp.TOTP(secret).at(clock.now())) == 303
    stored = stored_secret(any_beacon, user_id)
    assert stored.startswith("v1:") and secret not in stored


def test_migrating_seals_every_plain_secret(any_beacon: Beacon, clock: FakeClock) -> None:
    sealed = [enrolled(any_beacon, clock, name) for name in ("sue", "sid")]
    for user_id, secret in sealed:
        store_plain(any_beacon, user_id, secret)
    any_beacon.prepare_database()  # what `beacon migrate` and `beacon serve` run
    for user_id, secret in sealed:
        assert stored_secret(any_beacon, user_id).startswith("v1:")
    with any_beacon.session_factory.begin() as session:
        user = session.get_one(User, sealed[1][0])
        assert verify_second_factor(session, user, pyotp.TOTP(sealed[1][1]).at(clock.now()), clock.now())


def test_a_sealed_secret_moved_to_another_users_row_does_not_open(any_beacon: Beacon, clock: FakeClock) -> None:
    sue, _ = enrolled(any_beacon, clock, "sue")
    sid, _ = enrolled(any_beacon, clock, "sid")
    with any_beacon.session_factory() as session:
        with pytest.raises(SecretUnreadable):
            open_secret(session, sid, stored_secret(any_beacon, sue))


def test_without_the_key_the_secret_does_not_open(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    first = make_beacon(url, tmp_path, clock, audit_key="the-first-audit-key-0123456789")
    user_id, secret = enrolled(first, clock, "sue")
    stored = stored_secret(first, user_id)
    first.engine.dispose()
    other = make_beacon(url, tmp_path, clock, audit_key="another-audit-key-9876543210")
    with other.session_factory() as session:
        with pytest.raises(SecretUnreadable):
            open_secret(session, user_id, stored)
    assert open_secret(first.session_factory(), user_id, stored) == secret
    other.engine.dispose()
