"""HTTP through the ASGI app: intake, bad input, sign-in, CSRF, and force scoping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force
from beacon.store.tables import Case, DeadLetter, Message, Person, User
from beacon.store.tables_access import ApiToken
from beacon.web.app import create_app
from tests.builders import message_data
from tests.tokens import intake_headers, issue
from tests.routes import app_routes
from tests.desk.desk_builders import seed_guidance
from tests.people.people_audit_calls import people_routes  # people and routing (issue 6)

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
        create_user(session, force_slug="other", username="olu", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(beacon), headers=intake_headers(beacon)) as test_client:
        yield test_client  # as an integration with an intake token (issue 14) and a browser at once


def sign_in(client: TestClient, username: str) -> str:
    """Signs in through the form, as a browser does; returns the session's CSRF token."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    # Signing in starts a new session with a new token (no fixation); read it from a page.
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def _dead_letters(beacon: Beacon) -> list[DeadLetter]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def _count(beacon: Beacon, model: type) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- intake ---------------------------------------------------------------------------------

def test_intake_accepts_one_message_and_processes_it(client: TestClient, beacon: Beacon) -> None:
    response = client.post("/api/v1/messages", json=message_data(text="He has a knife"))
    assert response.status_code == 202
    [receipt] = response.json()["accepted"]
    assert receipt["duplicate"] is False
    with beacon.read_session_factory() as session:
        message = session.get_one(Message, receipt["id"])
    assert message.state == "processed" and message.priority == "P1"


def test_intake_accepts_a_batch(client: TestClient) -> None:
    response = client.post("/api/v1/messages", json=[message_data(), message_data()])
    assert response.status_code == 202
    assert [r["duplicate"] for r in response.json()["accepted"]] == [False, False]


def test_duplicate_delivery_is_stored_once(client: TestClient, beacon: Beacon) -> None:
    body = message_data(provider_message_id="SM-retry")
    first = client.post("/api/v1/messages", json=body)
    second = client.post("/api/v1/messages", json=body)
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json()["accepted"][0] == {**first.json()["accepted"][0], "duplicate": True}
    assert _count(beacon, Message) == 1


def test_malformed_json_is_a_problem_and_a_dead_letter(client: TestClient, beacon: Beacon) -> None:
    raw = b'{"channel": "sms", "text": "help'
    response = client.post("/api/v1/messages", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "validation_failed"
    [letter] = _dead_letters(beacon)
    assert letter.raw_body == raw.decode() and letter.source == "api"
    assert "JSON" in letter.reason


def test_missing_field_is_named(client: TestClient, beacon: Beacon) -> None:
    body = message_data()
    del body["author"]
    response = client.post("/api/v1/messages", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert any(e["field"].endswith("author") for e in problem["errors"])
    assert "author" in problem["detail"]
    assert json.loads(_dead_letters(beacon)[0].raw_body) == body


def test_wrong_type_is_named(client: TestClient) -> None:
    response = client.post("/api/v1/messages", json=message_data(created_at="last tuesday"))
    assert response.status_code == 422
    assert any(e["field"].endswith("created_at") for e in response.json()["errors"])


def test_unknown_channel_is_rejected(client: TestClient) -> None:
    response = client.post("/api/v1/messages", json=message_data(channel="pigeon"))
    assert response.status_code == 422
    assert any(e["field"].endswith("channel") for e in response.json()["errors"])


def test_oversize_body_is_refused(client: TestClient, beacon: Beacon) -> None:
    huge = message_data(text="x" * (beacon.settings.max_body_bytes + 10))
    response = client.post("/api/v1/messages", json=huge)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert _count(beacon, Message) == 0


def test_too_many_in_one_batch_is_refused(client: TestClient, beacon: Beacon) -> None:
    batch = [message_data() for _ in range(beacon.settings.max_batch + 1)]
    response = client.post("/api/v1/messages", json=batch)
    assert response.status_code == 413 and response.json()["code"] == "batch_too_large"
    assert _count(beacon, Message) == 0


def test_intake_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/messages"]["post"]
    assert "requestBody" in operation and "202" in operation["responses"]


# --- sign-in and CSRF ------------------------------------------------------------------------

def test_pages_and_api_need_sign_in(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    response = client.get("/api/v1/cases")
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


def test_wrong_password_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "ann", "password": "nope", "csrf_token": token})
    assert response.status_code == 400 and "Wrong username or password" in response.text


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    header = client.get("/login").headers.get("set-cookie", "")
    assert header.startswith("beacon_session=")
    assert "httponly" in header.lower() and "samesite=lax" in header.lower()


def test_forms_without_csrf_token_are_refused(client: TestClient, beacon: Beacon) -> None:
    sign_in(client, "ann")
    [receipt] = client.post("/api/v1/messages", json=message_data(text="He has a knife")).json()["accepted"]
    case_id = _case_of(beacon, receipt["id"])
    response = client.post(f"/cases/{case_id}/notes", data={"text": "called back"})
    assert response.status_code == 403


def test_handler_sees_inbox_adds_note_and_changes_status(client: TestClient, beacon: Beacon) -> None:
    token = sign_in(client, "ann")
    [receipt] = client.post("/api/v1/messages", json=message_data(text="He has a knife")).json()["accepted"]
    case_id = _case_of(beacon, receipt["id"])
    inbox = client.get("/")
    assert "BC-261128-0001" in inbox.text and "prio-p1" in inbox.text
    client.post(f"/cases/{case_id}/notes", data={"text": "Called back, safe", "csrf_token": token})
    client.post(f"/cases/{case_id}/status", data={"status": "waiting", "csrf_token": token})
    page = client.get(f"/cases/{case_id}")
    assert "Called back, safe" in page.text and "Waiting on citizen" in page.text
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert [e["kind"] for e in detail["timeline"]] == ["message_in", "note", "status"]


def _case_of(beacon: Beacon, message_id: int) -> int:
    with beacon.read_session_factory() as session:
        case_id = session.get_one(Message, message_id).case_id
    assert case_id is not None
    return case_id


# --- force scoping ---------------------------------------------------------------------------

def test_another_forces_records_are_not_found_on_every_route(client: TestClient, beacon: Beacon) -> None:
    [receipt] = client.post("/api/v1/messages", json=message_data(text="He has a knife")).json()["accepted"]
    case_id = _case_of(beacon, receipt["id"])
    with beacon.read_session_factory() as session:
        person_id = session.get_one(Message, receipt["id"]).person_id
        incident_id = session.get_one(Message, receipt["id"]).incident_id
    article_id = seed_guidance(beacon)  # the demo force's guidance articles (issue 8)
    alert_id, handover_id = _alert_and_handover(beacon, case_id)  # case work (issue 7)
    token = sign_in(client, "olu")  # a user of the other force
    routes = [
        ("GET", f"/api/v1/cases/{case_id}", None),
        ("POST", f"/api/v1/cases/{case_id}/notes", {"json": {"text": "x"}}),
        ("POST", f"/api/v1/cases/{case_id}/status", {"json": {"status": "closed"}}),
        ("GET", f"/api/v1/messages/{receipt['id']}", None),
        ("GET", f"/api/v1/persons/{person_id}", None),
        ("GET", f"/cases/{case_id}", None),
        ("POST", f"/cases/{case_id}/notes", {"data": {"text": "x", "csrf_token": token}}),
        ("POST", f"/cases/{case_id}/status", {"data": {"status": "closed", "csrf_token": token}}),
        ("GET", f"/api/v1/incidents/{incident_id}/items", None),
        ("POST", f"/api/v1/incidents/{incident_id}/merge", {"json": {"absorb_id": incident_id, "reason": "same"}}),
        ("POST", f"/api/v1/messages/{receipt['id']}/split", {"json": {"reason": "different"}}),
        ("POST", f"/incidents/{incident_id}/merge", {"data": {"absorb_id": incident_id, "reason": "same", "csrf_token": token}}),
        ("POST", f"/messages/{receipt['id']}/split", {"data": {"reason": "different", "csrf_token": token}}),
        ("GET", f"/cases/{case_id}/guidance", None),
        ("GET", f"/guidance/{article_id}", None),
        ("GET", f"/guidance/{article_id}/edit", None),
        ("POST", f"/guidance/{article_id}", {"data": {"title": "x" * 5, "body": "x", "note": "try", "csrf_token": token}}),
        ("POST", f"/cases/{case_id}/disposition", {"data": {"outcome": "close", "reason": "x", "csrf_token": token}}),
        ("POST", f"/api/v1/cases/{case_id}/disposition", {"json": {"outcome": "close", "reason": "x"}}),
    ]
    routes += [  # case work (issue 7)
        ("POST", f"/cases/{case_id}/take", {"data": {"csrf_token": token}}),
        ("POST", f"/cases/{case_id}/release", {"data": {"csrf_token": token}}),
        ("POST", f"/cases/{case_id}/reassign", {"data": {"to_user": 1, "reason": "x", "csrf_token": token}}),
        ("POST", f"/cases/{case_id}/team", {"data": {"team_id": 1, "reason": "x", "csrf_token": token}}),
        ("POST", f"/api/v1/cases/{case_id}/assignee", {"json": {"user_id": 1, "reason": "x"}}),
        ("POST", f"/api/v1/cases/{case_id}/team", {"json": {"team_id": 1, "reason": "x"}}),
        ("POST", f"/cases/{case_id}/acknowledge", {"data": {"csrf_token": token}}),
        ("POST", f"/alerts/{alert_id}/acknowledge", {"data": {"csrf_token": token}}),
        ("GET", f"/handovers/{handover_id}", None),
        ("POST", f"/handovers/{handover_id}/complete", {"data": {"notes": "x", "csrf_token": token}}),
        ("POST", f"/handovers/{handover_id}/acknowledge", {"data": {"csrf_token": token}}),
        ("GET", f"/audit/cases/{case_id}", None),
        ("GET", f"/audit/persons/{person_id}", None),
        ("GET", f"/audit/export.csv?case_id={case_id}", None),
    ]
    routes += [  # replies (issue 5)
        ("GET", f"/cases/{case_id}/reply", None),
        ("POST", f"/cases/{case_id}/reply", {"data": {"message_id": receipt["id"], "text": "We are on our way",
                                                      "reply_key": "k1", "csrf_token": token}}),
    ]
    routes += people_routes(beacon, person_id, receipt["id"], token)  # people and routing (issue 6)
    routes += [("GET", f"/api/v1/cases/{case_id}/links", None)]  # cases that relate (issue 16)
    routes += [("POST", f"/api/v1/cases/{case_id}/{action}", {"json": {"case_id": case_id, "reason": "x"}})
               for action in ("links", "unlink", "parent", "detach", "merge", "unmerge")]
    routes += [("POST", f"/cases/{case_id}/{action}", {"data": {"reference": "BC-261128-0001", "other_id": case_id,
                                                                "reason": "x", "csrf_token": token}})
               for action in ("links", "unlink", "parent", "detach", "merge", "unmerge")]
    api_token_id, _ = issue(beacon)  # the demo force's API token (issue 14)
    routes += [("POST", f"/admin/tokens/{api_token_id}/revoke", {"data": {"csrf_token": token}})]
    ann_id, ann_session = _user_and_session(beacon, "ann")  # accounts (issue 14): another force's user
    routes += [("POST", f"/admin/users/{ann_id}/{action}", {"data": {"csrf_token": token, **data}})
               for action, data in (("role", {"role": "admin"}), ("active", {"active": "false"}),
                                    ("revoke-sessions", {}), ("reset-second-factor", {}))]
    routes += [("POST", f"/account/sessions/{ann_session}/end", {"data": {"csrf_token": token}})]
    general = _team_of(beacon, "ann")  # teams and forces (issue 14): the demo force's team and the force itself
    routes += [("POST", path, {"data": {"csrf_token": token, **data}}) for path, data in (
        (f"/admin/teams/{general}/restricted", {"restricted": "true"}),
        (f"/admin/teams/{general}/members", {"user_id": ann_id}),
        (f"/admin/teams/{general}/members/{ann_id}/remove", {}),
        (f"/admin/users/{ann_id}/team", {"team_id": ""}),
        ("/admin/forces/1/accounts", {"channel": "sms", "account": "+447700900111"}),
        ("/admin/forces/1/accounts/remove", {"channel": "sms", "account": "+447700900111"}))]
    for method, path, kwargs in routes:
        response = client.request(method, path, headers={"X-CSRF-Token": token}, **(kwargs or {}))
        assert response.status_code == 404, (method, path, response.status_code)
    assert_routes_covered(client, {path_template(p) for _, p, _ in routes})
    assert "BC-" not in client.get("/").text and client.get("/api/v1/cases").json() == []
    with beacon.read_session_factory() as session:
        assert session.get_one(Case, case_id).status == "new"
        assert session.get(Person, person_id) is not None
        assert session.get_one(ApiToken, api_token_id).revoked_at is None
        ann = session.scalars(select(User).where(User.id == ann_id)).one()
        assert (ann.role, ann.active) == ("handler", True)


def _team_of(beacon: Beacon, username: str) -> int:
    """A team of the first force (ann's force's General), for the scoping test (issue 14)."""
    from beacon.store.forces import team_id

    with beacon.read_session_factory() as session:
        force_id = session.scalars(select(User.force_id).where(User.username == username)).one()
        return int(team_id(session, force_id, "General") or 0)


def _user_and_session(beacon: Beacon, username: str) -> tuple[int, int]:
    """A user of the first force and a live session of theirs, for the scoping test (issue 14)."""
    from beacon.staff.sessions import start_session
    from beacon.store.tables import User
    from beacon.store.tables_accounts import StaffSession

    with beacon.session_factory.begin() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        start_session(session, user, beacon.clock.now())
        return user.id, session.scalars(select(StaffSession.id).where(StaffSession.user_id == user.id)).one()


def _alert_and_handover(beacon: Beacon, case_id: int) -> tuple[int, int]:
    """An alert and a handover pack in the first force, for the scoping test (case work)."""
    from beacon.audit.log import Actor
    from beacon.cases.escalation import raise_alert
    from beacon.cases.handover import draft_handover
    from beacon.cases.settings import shipped_casework

    with beacon.session_factory.begin() as session:
        case = session.get_one(Case, case_id)
        alert = raise_alert(session, shipped_casework(), case, "p1", beacon.clock.now())
        assert alert is not None and case.team_id is not None
        handover = draft_handover(session, shipped_casework(), force_id=case.force_id, team_id=case.team_id,
                                  outgoing=Actor("user", 1, "Ann"), now=beacon.clock.now())
        return alert.id, handover.id


def path_template(path: str) -> str:
    parts = ["{id}" if part.isdigit() else part for part in path.split("/")]
    return "/".join(parts)


def assert_routes_covered(client: TestClient, tested: set[str]) -> None:
    """Every route with an id in its path must be in the scoping test above."""
    with_ids = {
        path for _, path in app_routes(client.app.routes)  # type: ignore[attr-defined]
        if "{id}" in path and not path.startswith("/static")
    }
    assert with_ids <= tested, f"routes with ids missing from the scoping test: {sorted(with_ids - tested)}"
