"""Characters a database cannot store (NUL, lone surrogates) at every intake, on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text, and no UTF-8 database can hold a lone surrogate (JSON's
"\\ud800"). Each intake must answer as usual, store the text with them replaced by U+FFFD and
keep the raw payload as it came (JSON-escaped, or as base64 bytes for a dead letter).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.intake.deliveries import dead_letter_bytes
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import CaseEntry, DeadLetter, Message
from beacon.web.app import create_app
from tests.builders import message_data
from tests.channels.conftest import channel_beacon, HTTPS_TESTSERVER
from tests.channels.signing import signed, twilio_headers
from tests.intake.intake_fixtures import fixture_bytes
from tests.tokens import intake_headers

PASSWORD = "correct horse battery"
REPLACED = "\ufffd"


@pytest.fixture
def bad_beacon(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    instance = channel_beacon(database_url, tmp_path, clock)
    with instance.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    yield instance
    instance.engine.dispose()


@pytest.fixture
def bad_client(bad_beacon: Beacon) -> Iterator[TestClient]:
    with TestClient(create_app(bad_beacon), base_url=HTTPS_TESTSERVER,
                    headers=intake_headers(bad_beacon)) as client:
        yield client


def _messages(beacon: Beacon) -> list[Message]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def _letters(beacon: Beacon) -> list[DeadLetter]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def _csrf(client: TestClient) -> str:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_json_api_stores_nul_text_and_author_replaced_and_keeps_the_raw(
    bad_client: TestClient, bad_beacon: Beacon
) -> None:
    body = message_data(text="help\x00 me", author={"id": "+44\x007700", "name": "A\x00B"},
                        raw={"note": "raw\x00kept", "k\x00": [1]})
    response = bad_client.post("/api/v1/messages", json=body)
    assert response.status_code == 202, response.text
    [message] = _messages(bad_beacon)
    assert message.text == f"help{REPLACED} me"
    assert message.author_id == f"+44{REPLACED}7700" and message.author_name == f"A{REPLACED}B"
    assert message.raw == {"note": "raw\x00kept", "k\x00": [1]}
    assert message.state == "processed"


def test_json_api_replaces_a_lone_surrogate(bad_client: TestClient, bad_beacon: Beacon) -> None:
    encoded = json.dumps(message_data(text="knife", raw={"x": "y"}))
    encoded = encoded.replace('"knife"', '"kn\\ud800ife"').replace('"y"', '"\\udfff"')
    response = bad_client.post("/api/v1/messages", content=encoded,
                               headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text
    [message] = _messages(bad_beacon)
    assert message.text == f"kn{REPLACED}ife"
    assert message.raw == {"x": REPLACED}


def test_json_api_dead_letters_a_body_with_raw_nul_bytes(bad_client: TestClient, bad_beacon: Beacon) -> None:
    raw = b'{"channel": "sms", "text": "a\x00b"}'
    response = bad_client.post("/api/v1/messages", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    [letter] = _letters(bad_beacon)
    assert dead_letter_bytes(letter) == raw


def test_json_api_field_named_with_a_surrogate_is_a_problem_not_a_500(bad_client: TestClient) -> None:
    encoded = json.dumps(message_data()).replace('"text"', '"te\\ud800xt"')
    response = bad_client.post("/api/v1/messages", content=encoded,
                               headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_webhook_stores_nul_text_and_author(bad_client: TestClient, bad_beacon: Beacon) -> None:
    data = json.loads(fixture_bytes("telegram", "message_text.json"))
    data["message"]["text"] = "man\x00 with a knife"
    data["message"]["from"]["username"] = "chloe\x00b"
    body = json.dumps(data).encode()
    response = bad_client.post("/webhooks/telegram", content=body, headers=signed("telegram", body))
    assert response.status_code == 200, response.text
    [message] = _messages(bad_beacon)
    assert message.text == f"man{REPLACED} with a knife"
    assert message.author_handle == f"@chloe{REPLACED}b"
    assert message.raw["text"] == "man\x00 with a knife"


def test_sms_webhook_stores_a_nul_body(bad_client: TestClient, bad_beacon: Beacon) -> None:
    body = fixture_bytes("twilio", "sms_text.txt").strip().replace(b"Body=Someone", b"Body=Some%00one")
    response = bad_client.post("/webhooks/twilio/sms", content=body, headers=twilio_headers(body))
    assert response.status_code == 200, response.text
    [message] = _messages(bad_beacon)
    assert message.text.startswith(f"Some{REPLACED}one")


def test_webhook_dead_letter_with_raw_nul_bytes_is_kept_as_bytes(
    bad_client: TestClient, bad_beacon: Beacon
) -> None:
    body = b'{"update_id": 1, "message": "\x00'
    response = bad_client.post("/webhooks/telegram", content=body, headers=signed("telegram", body))
    assert response.status_code == 200, response.text
    [letter] = _letters(bad_beacon)
    assert dead_letter_bytes(letter) == body


def test_web_form_stores_nul_fields(bad_client: TestClient, bad_beacon: Beacon) -> None:
    page = bad_client.get("/contact").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = bad_client.post("/contact", follow_redirects=False, data={
        "message": "someone\x00 is outside", "where": "Park\x00 Lane", "name": "Jo\x00",
        "csrf_token": token,
    })
    assert response.status_code == 303, response.text
    [message] = _messages(bad_beacon)
    assert message.text == f"someone{REPLACED} is outside"
    assert message.author_name == f"Jo{REPLACED}"


def _a_case(client: TestClient, beacon: Beacon) -> int:
    client.post("/api/v1/messages", json=message_data(text="He has a knife"))
    cases = client.get("/api/v1/cases").json()
    return int(cases["cases"][0]["id"] if isinstance(cases, dict) else cases[0]["id"])


def _note_bodies(beacon: Beacon) -> list[str]:
    with beacon.read_session_factory() as session:
        return [e.body for e in session.scalars(select(CaseEntry).where(CaseEntry.kind == "note"))]


def test_case_notes_with_nul_are_stored_replaced(bad_client: TestClient, bad_beacon: Beacon) -> None:
    token = _csrf(bad_client)
    case_id = _a_case(bad_client, bad_beacon)
    form = bad_client.post(f"/cases/{case_id}/notes", data={"text": "form\x00note", "csrf_token": token},
                           follow_redirects=False)
    api = bad_client.post(f"/api/v1/cases/{case_id}/notes", json={"text": "api\x00note"},
                          headers={"x-csrf-token": token})
    surrogate = bad_client.post(f"/api/v1/cases/{case_id}/notes", content='{"text": "\\ud800"}',
                                headers={"x-csrf-token": token, "content-type": "application/json"})
    assert form.status_code < 400 and api.status_code == 201, (form.text, api.text)
    assert surrogate.status_code == 422 and surrogate.json()["code"] == "validation_failed"
    assert sorted(_note_bodies(bad_beacon)) == [f"api{REPLACED}note", f"form{REPLACED}note"]


@pytest.mark.parametrize("path", ["/?q=a%00b", "/people?q=a%00b", "/api/v1/cases?q=%00", "/audit?q=%00",
                                  "/guidance?q=%00", "/incidents?q=%00"])
def test_queries_with_nul_are_not_server_errors(bad_client: TestClient, path: str) -> None:
    _csrf(bad_client)
    assert bad_client.get(path).status_code < 500


@pytest.mark.parametrize("path", ["/api/v1/cases/9223372036854775808", "/api/v1/cases/2147483648",
                                  "/api/v1/persons/99999999999999999999999"])
def test_ids_past_any_column_are_a_problem_not_a_500(bad_client: TestClient, path: str) -> None:
    _csrf(bad_client)
    response = bad_client.get(path)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
