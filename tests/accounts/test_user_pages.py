"""The admin's user page (`/admin/users`) and everyone's own account page (`/account`): the
same account functions as `beacon user ...`, sessions ended at once, audited, CSRF-protected,
admins only. SQLite and PostgreSQL, through the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.staff.accounts import Role, create_user, enrol_user_totp
from beacon.store.forces import ensure_force
from beacon.store.tables import User
from beacon.store.tables_accounts import StaffTotp
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.test_http import PASSWORD, sign_in

NEW_PASSWORD = "lantern orchard velvet 42"


@pytest.fixture
def staff(any_beacon: Beacon) -> Beacon:
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ada", password=PASSWORD, role=Role.ADMIN)
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
        create_user(session, force_slug="demo", username="hal", password=PASSWORD, role=Role.HANDLER,
                    team="General")
        ensure_force(session, "other", "Other Force", case_prefix="OF")
        create_user(session, force_slug="other", username="olu", password=PASSWORD, role=Role.HANDLER)
    return any_beacon


def browser(beacon: Beacon) -> Iterator[TestClient]:
    with TestClient(create_app(beacon)) as client:
        yield client


@pytest.fixture
def admin(staff: Beacon) -> Iterator[TestClient]:
    yield from browser(staff)


@pytest.fixture
def other(staff: Beacon) -> Iterator[TestClient]:
    yield from browser(staff)


def signed_in(client: TestClient) -> bool:
    return client.get("/api/v1/cases").status_code == 200


def uid(beacon: Beacon, username: str) -> int:
    with beacon.read_session_factory() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def user(beacon: Beacon, username: str) -> User:
    with beacon.read_session_factory() as session:
        return session.scalars(select(User).where(User.username == username)).one()


def changes(beacon: Beacon, username: str) -> list[AuditEvent]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == str(uid(beacon, username)),
            AuditEvent.action == "changed").order_by(AuditEvent.id)))


def test_the_list_shows_role_team_state_second_factor_and_open_sessions(
    staff: Beacon, admin: TestClient, other: TestClient
) -> None:
    with staff.session_factory.begin() as session:
        enrol_user_totp(session, "sue", "Beacon", staff.clock.now())
    sign_in(other, "hal")
    sign_in(admin, "ada")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    row = page.text.split("<code>hal</code>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0].strip() for c in row.split("<td")[1:6]]
    assert cells == ['>handler', '>General', '>active', '>no', 'class="num">1']
    sue_row = page.text.split("<code>sue</code>")[1].split("</tr>")[0]
    assert "<td>yes</td>" in sue_row and ">0</td>" in sue_row
    assert "olu" not in page.text  # another force's staff are not listed


def test_only_admins_open_the_page_or_change_anything(staff: Beacon, admin: TestClient) -> None:
    token = sign_in(admin, "sue")  # a supervisor
    assert admin.get("/admin/users").status_code == 403
    response = admin.post(f"/admin/users/{uid(staff, 'hal')}/role", data={"role": "admin", "csrf_token": token})
    assert response.status_code == 403
    assert user(staff, "hal").role == "handler" and changes(staff, "hal") == []


def test_a_change_without_the_csrf_token_is_refused(staff: Beacon, admin: TestClient) -> None:
    sign_in(admin, "ada")
    response = admin.post(f"/admin/users/{uid(staff, 'hal')}/active", data={"active": "false"})
    assert response.status_code == 403 and user(staff, "hal").active


def test_a_role_change_ends_the_users_sessions_and_is_audited(
    staff: Beacon, admin: TestClient, other: TestClient
) -> None:
    sign_in(other, "hal")
    token = sign_in(admin, "ada")
    response = admin.post(f"/admin/users/{uid(staff, 'hal')}/role", data={"role": "supervisor", "csrf_token": token},
                          follow_redirects=False)
    assert response.status_code == 303
    assert user(staff, "hal").role == "supervisor" and not signed_in(other)
    event = changes(staff, "hal")[-1]
    assert (event.reason, event.actor_name, event.data["sessions_ended"]) == ("role changed", "ada", 1)


def test_deactivating_stops_every_sign_in_and_reactivating_restores_it(
    staff: Beacon, admin: TestClient, other: TestClient
) -> None:
    sign_in(other, "hal")
    token = sign_in(admin, "ada")
    hal = uid(staff, "hal")
    admin.post(f"/admin/users/{hal}/active", data={"active": "false", "csrf_token": token})
    assert not user(staff, "hal").active and not signed_in(other)
    login = other.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = other.post("/login", data={"username": "hal", "password": PASSWORD, "csrf_token": login})
    assert refused.status_code == 400
    admin.post(f"/admin/users/{hal}/active", data={"active": "true", "csrf_token": token})
    sign_in(other, "hal")
    assert signed_in(other)
    assert [e.reason for e in changes(staff, "hal")] == ["deactivated", "reactivated"]


def test_an_admin_cannot_deactivate_or_demote_themselves_here(staff: Beacon, admin: TestClient) -> None:
    token = sign_in(admin, "ada")
    ada = uid(staff, "ada")
    assert admin.post(f"/admin/users/{ada}/active", data={"active": "false", "csrf_token": token}).status_code == 400
    assert admin.post(f"/admin/users/{ada}/role", data={"role": "handler", "csrf_token": token}).status_code == 400
    assert user(staff, "ada").active and user(staff, "ada").role == "admin" and signed_in(admin)


def test_revoking_sessions_signs_the_user_out_everywhere(staff: Beacon, admin: TestClient, other: TestClient) -> None:
    sign_in(other, "hal")
    token = sign_in(admin, "ada")
    admin.post(f"/admin/users/{uid(staff, 'hal')}/revoke-sessions", data={"csrf_token": token})
    assert not signed_in(other) and changes(staff, "hal")[-1].reason == "sessions revoked"


def test_resetting_the_second_factor_removes_it_and_ends_the_sessions(
    staff: Beacon, admin: TestClient, other: TestClient
) -> None:
    with staff.session_factory.begin() as session:
        enrol_user_totp(session, "hal", "Beacon", staff.clock.now())
    token = sign_in(admin, "ada")
    admin.post(f"/admin/users/{uid(staff, 'hal')}/reset-second-factor", data={"csrf_token": token})
    with staff.read_session_factory() as session:
        assert session.get(StaffTotp, uid(staff, "hal")) is None
    assert changes(staff, "hal")[-1].reason == "second factor reset"
    sign_in(other, "hal")  # the password alone again: a handler needs no second factor here
    assert signed_in(other)


# --- /account ---------------------------------------------------------------------------


def change_password(client: TestClient, token: str, current: str, new: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/account/password", data={"current": current, "new": new, "again": new,
                                                  "csrf_token": token}, follow_redirects=False)


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(
    staff: Beacon, admin: TestClient, other: TestClient
) -> None:
    sign_in(other, "hal")
    token = sign_in(admin, "hal")
    wrong = change_password(admin, token, "not my password")
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    with staff.read_session_factory() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).one()
    assert failed.object_id == str(uid(staff, "hal"))  # counts towards the lockout
    weak = change_password(admin, token, PASSWORD, new="password1234")
    assert weak.status_code == 400 and "common passwords" in weak.text
    assert change_password(admin, token, PASSWORD).status_code == 303
    assert signed_in(admin) and not signed_in(other)  # this browser goes on, the other is ended
    assert changes(staff, "hal")[-1].reason == "password changed"
    login = other.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert other.post("/login", data={"username": "hal", "password": NEW_PASSWORD, "csrf_token": login},
                      follow_redirects=False).status_code == 303


def test_a_user_sees_their_own_sessions_and_ends_one(staff: Beacon, admin: TestClient, other: TestClient) -> None:
    sign_in(other, "hal")
    token = sign_in(admin, "hal")
    page = admin.get("/account").text
    rows = [row for row in page.split("<tr>") if 'action="/account/sessions/' in row]
    assert len(rows) == 2 and sum("(this browser)" in row for row in rows) == 1
    elsewhere = next(int(r.split('action="/account/sessions/')[1].split("/")[0]) for r in rows
                     if "(this browser)" not in r)
    assert admin.post(f"/account/sessions/{elsewhere}/end", data={"csrf_token": token},
                      follow_redirects=False).status_code == 303
    assert signed_in(admin) and not signed_in(other)
    assert changes(staff, "hal")[-1].reason == "session ended by the user"


def test_a_user_cannot_end_someone_elses_session(staff: Beacon, admin: TestClient, other: TestClient) -> None:
    sign_in(other, "sue")
    token = sign_in(admin, "ada")
    sue_session = int(other.get("/account").text.split('action="/account/sessions/')[1].split("/")[0])
    response = admin.post(f"/account/sessions/{sue_session}/end", data={"csrf_token": token})
    assert response.status_code == 404 and signed_in(other)


def test_the_command_line_does_the_same(staff: Beacon, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BEACON_DATABASE_URL", staff.settings.database_url)
    monkeypatch.setenv("BEACON_VAR_DIR", str(staff.settings.var_dir))
    _register()
    runner = CliRunner()
    assert runner.invoke(app, ["user", "deactivate", "hal"]).exit_code == 0
    assert runner.invoke(app, ["user", "email", "hal", "Hal@Force.example"]).exit_code == 0
    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0 and "hal\thandler\tGeneral\tdeactivated\t2fa=no\tsessions=0\thal@force.example" in listed.stdout
    assert runner.invoke(app, ["user", "reactivate", "hal"]).exit_code == 0
    assert user(staff, "hal").active
    missing = runner.invoke(app, ["user", "totp-reset", "nobody"])
    assert missing.exit_code == 2 and "no user 'nobody'" in missing.output
