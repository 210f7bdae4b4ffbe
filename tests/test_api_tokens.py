"""Authenticated intake and metrics: API tokens scoped to a force, its accounts and permissions,
hashed at rest, revocable; refusals are problem+json and audited (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from beacon.audit.log import Actor, verify_chain
from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.staff.accounts import Role, create_user
from beacon.staff.api_tokens import Permission, check_token, revoke_token
from beacon.store.forces import add_channel_account, create_force, force_by_slug
from beacon.store.tables import DeadLetter, Message
from beacon.store.tables_access import ApiToken
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.builders import message_data
from tests.tokens import bearer, issue

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"
OURS = "+447700900000"  # the builders' default account, mapped to the default force below
SECOND = "+447700900001"
NORTH = "+447700900999"


@pytest.fixture
def client(any_beacon: Beacon) -> Iterator[TestClient]:
    with any_beacon.session_factory.begin() as session:
        north = create_force(session, "north", "North Force", "NF")
        add_channel_account(session, north.id, "sms", NORTH)
        ours = force_by_slug(session, "demo").id
        add_channel_account(session, ours, "sms", OURS)
        add_channel_account(session, ours, "sms", SECOND)
        for name, force, role in [("ada", "demo", Role.ADMIN), ("sue", "demo", Role.SUPERVISOR),
                                  ("nia", "north", Role.ADMIN)]:
            create_user(session, force_slug=force, username=name, password=PASSWORD, role=role)
    any_beacon.forces.reload()
    with TestClient(create_app(any_beacon)) as test_client:
        yield test_client


def _count(beacon: Beacon, model: type) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _refusals(beacon: Beacon) -> list[AuditEvent]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "refused").order_by(AuditEvent.id)))


def _assert_problem(response: object, status: int, code: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    assert response.json()["code"] == code  # type: ignore[attr-defined]


def test_no_token_is_401_and_nothing_is_kept(client: TestClient, any_beacon: Beacon) -> None:
    response = client.post("/api/v1/messages", json=message_data())
    _assert_problem(response, 401, "token_required")
    assert response.headers["www-authenticate"] == "Bearer"
    garbage = client.post("/api/v1/messages", content=b"{not json", headers={"content-type": "application/json"})
    _assert_problem(garbage, 401, "token_required")  # an anonymous body is not even dead-lettered
    assert _count(any_beacon, Message) == 0 and _count(any_beacon, DeadLetter) == 0
    assert _refusals(any_beacon) == []  # anyone can send these: logged, not audited


def test_a_valid_token_posts_into_its_own_force(client: TestClient, any_beacon: Beacon) -> None:
    _, token = issue(any_beacon)
    response = client.post("/api/v1/messages", json=message_data(text="He has a knife"), headers=bearer(token))
    assert response.status_code == 202, response.text
    assert _count(any_beacon, Message) == 1


def test_a_token_cannot_post_into_another_force(client: TestClient, any_beacon: Beacon) -> None:
    token_id, token = issue(any_beacon)
    batch = [message_data(), message_data(channel_account=NORTH)]
    response = client.post("/api/v1/messages", json=batch, headers=bearer(token))
    _assert_problem(response, 403, "token_out_of_scope")
    assert NORTH in response.json()["detail"]
    assert _count(any_beacon, Message) == 0  # the whole batch is refused, none of it stored
    [event] = _refusals(any_beacon)
    assert (event.actor_type, event.actor_id, event.object_type, event.object_id) == (
        "token", token_id, "api_token", str(token_id))
    assert event.data["code"] == "token_out_of_scope"


def test_a_token_narrowed_to_an_account_cannot_post_for_another(client: TestClient, any_beacon: Beacon) -> None:
    _, token = issue(any_beacon, accounts=(f"sms:{OURS}",))
    allowed = client.post("/api/v1/messages", json=message_data(channel_account=OURS), headers=bearer(token))
    assert allowed.status_code == 202
    other = client.post("/api/v1/messages", json=message_data(channel_account=SECOND), headers=bearer(token))
    _assert_problem(other, 403, "token_out_of_scope")
    assert _count(any_beacon, Message) == 1 and len(_refusals(any_beacon)) == 1


def test_a_north_token_posts_to_north_only(client: TestClient, any_beacon: Beacon) -> None:
    _, token = issue(any_beacon, force="north")
    theirs = client.post("/api/v1/messages", json=message_data(channel_account=NORTH, text="He has a knife"),
                         headers=bearer(token))
    assert theirs.status_code == 202
    # An account no force owns goes to the default force, so a north token may not post to it.
    unmapped = client.post("/api/v1/messages", json=message_data(channel_account="+447700900555"),
                           headers=bearer(token))
    _assert_problem(unmapped, 403, "token_out_of_scope")


def test_a_revoked_token_is_refused_at_once_and_audited(client: TestClient, any_beacon: Beacon) -> None:
    token_id, token = issue(any_beacon)
    assert client.post("/api/v1/messages", json=message_data(), headers=bearer(token)).status_code == 202
    _revoke(any_beacon, token_id)
    _assert_problem(client.post("/api/v1/messages", json=message_data(), headers=bearer(token)), 401, "token_revoked")
    with any_beacon.read_session_factory() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "api_token", AuditEvent.object_id == str(token_id)).order_by(AuditEvent.id)).all()
        assert verify_chain(session).ok
    assert actions == ["created", "changed", "refused"]


def _revoke(beacon: Beacon, token_id: int) -> None:
    with beacon.session_factory.begin() as session:
        revoke_token(session, token_id, force_id=None, actor=Actor.system("tests"), now=beacon.clock.now())


def test_a_wrong_secret_is_refused_and_audited_an_unknown_key_only_refused(
    client: TestClient, any_beacon: Beacon
) -> None:
    token_id, token = issue(any_beacon)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    _assert_problem(client.post("/api/v1/messages", json=message_data(), headers=bearer(forged)), 401, "token_invalid")
    unknown = "bkn_000000000000_" + token.split("_", 2)[2]
    _assert_problem(client.post("/api/v1/messages", json=message_data(), headers=bearer(unknown)), 401, "token_invalid")
    assert [e.object_id for e in _refusals(any_beacon)] == [str(token_id)]


def test_permissions_keep_intake_and_metrics_apart(client: TestClient, any_beacon: Beacon) -> None:
    _, intake = issue(any_beacon)
    _, metrics = issue(any_beacon, permissions=(Permission.METRICS,), name="prometheus")
    _assert_problem(client.get("/metrics"), 401, "token_required")
    _assert_problem(client.get("/metrics", headers=bearer(intake)), 403, "token_lacks_permission")
    scraped = client.get("/metrics", headers=bearer(metrics))
    assert scraped.status_code == 200 and "beacon_messages_unprocessed" in scraped.text
    _assert_problem(client.post("/api/v1/messages", json=message_data(), headers=bearer(metrics)),
                    403, "token_lacks_permission")


def test_tokens_are_kept_as_hashes(any_beacon: Beacon) -> None:
    token_id, token = issue(any_beacon)
    with any_beacon.read_session_factory() as session:
        row = session.get_one(ApiToken, token_id)
        assert token not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
        assert row.secret_hash == hashlib.sha256(token.encode()).hexdigest()
        assert check_token(session, token, Permission.INTAKE).force_id == row.force_id  # type: ignore[union-attr]


def test_an_invalid_body_with_a_valid_token_is_dead_lettered(client: TestClient, any_beacon: Beacon) -> None:
    _, token = issue(any_beacon)
    response = client.post("/api/v1/messages", content=b"{not json",
                           headers={"content-type": "application/json", **bearer(token)})
    assert response.status_code == 422
    assert _count(any_beacon, DeadLetter) == 1


def test_the_openapi_document_names_the_bearer_scheme(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/messages"]["post"]["security"] == [{"HTTPBearer": []}]


# --- the admin page -------------------------------------------------------------------------

def _sign_in(client: TestClient, username: str) -> str:
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    return client.get("/rota").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_an_admin_issues_and_revokes_a_token_on_the_page(client: TestClient, any_beacon: Beacon) -> None:
    csrf = _sign_in(client, "ada")
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and f"sms:{OURS}" in page.text and NORTH not in page.text
    issued = client.post("/admin/tokens", data={"name": "SMS gateway", "permission": ["intake"],
                                                "account": [f"sms:{OURS}"], "csrf_token": csrf})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    token = issued.text.split('<code id="issued-token">')[1].split("<")[0]
    assert client.post("/api/v1/messages", json=message_data(channel_account=OURS),
                       headers=bearer(token)).status_code == 202
    listed = client.get("/admin/tokens").text
    assert "SMS gateway" in listed and token not in listed  # shown once only
    with any_beacon.read_session_factory() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "SMS gateway")).one()
    revoked = client.post(f"/admin/tokens/{row.id}/revoke", data={"reason": "gateway replaced", "csrf_token": csrf},
                          follow_redirects=False)
    assert revoked.status_code == 303
    _assert_problem(client.post("/api/v1/messages", json=message_data(channel_account=OURS), headers=bearer(token)),
                    401, "token_revoked")
    with any_beacon.read_session_factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "api_token")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_type, e.actor_name) for e in events[:2]] == [
        ("created", "user", "ada"), ("changed", "user", "ada")]
    assert "gateway replaced" in events[1].reason


def test_the_token_page_is_for_admins_of_the_force(client: TestClient, any_beacon: Beacon) -> None:
    north_id, _ = issue(any_beacon, force="north")
    csrf = _sign_in(client, "sue")
    assert client.get("/admin/tokens").status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf = _sign_in(client, "ada")
    assert client.post(f"/admin/tokens/{north_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    refused = client.post("/admin/tokens", data={"name": "x", "permission": ["intake"], "account": [f"sms:{NORTH}"],
                                                 "csrf_token": csrf})
    assert refused.status_code == 400 and "not channel accounts of this force" in refused.text
    assert client.post("/admin/tokens", data={"name": "x", "permission": ["intake"]}).status_code == 403  # no CSRF


# --- the command line -----------------------------------------------------------------------

def test_token_commands_issue_list_and_revoke(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    env = {"BEACON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "BEACON_VAR_DIR": str(tmp_path)}
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    for name, role in (("ada", "admin"), ("hal", "handler")):
        assert runner.invoke(app, ["user", "add", name, "--role", role, "--password", PASSWORD], env=env).exit_code == 0
    refused = runner.invoke(app, ["token", "add", "gw", "--as", "hal", "--permission", "intake"], env=env)
    assert refused.exit_code == 2 and "managed by admins" in refused.output
    added = runner.invoke(app, ["token", "add", "SMS gateway", "--as", "ada", "--permission", "intake"], env=env)
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    assert token.startswith("bkn_")
    listed = runner.invoke(app, ["token", "list"], env=env)
    assert "SMS gateway" in listed.output and token not in listed.output
    assert runner.invoke(app, ["token", "revoke", "1", "--as", "ada", "--reason", "test"], env=env).exit_code == 0
    again = runner.invoke(app, ["token", "revoke", "1", "--as", "ada"], env=env)
    assert again.exit_code == 2 and "already revoked" in again.output
