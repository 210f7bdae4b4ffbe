"""Incidents over HTTP: the list with counts, and supervisors' split and merge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import Message
from beacon.web.app import create_app
from tests.builders import message_data
from tests.tokens import intake_headers
from tests.test_http import PASSWORD, sign_in

REPORTS = [
    "Man waving a knife outside the Weavers Arms on Mill Lane",
    "There's a man with a knife outside the Weavers Arms pub Mill Lane, please hurry",
]


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sgt", password=PASSWORD, role=Role.SUPERVISOR)
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(beacon), headers=intake_headers(beacon)) as test_client:
        yield test_client


def _post_reports(client: TestClient) -> list[int]:
    body = [message_data(text=text, created_at="2026-11-28T22:30:00+00:00") for text in REPORTS]
    return [r["id"] for r in client.post("/api/v1/messages", json=body).json()["accepted"]]


def test_the_list_shows_one_incident_with_its_counts(client: TestClient) -> None:
    _post_reports(client)
    sign_in(client, "ann")
    [incident] = client.get("/api/v1/incidents").json()
    assert (incident["reports"], incident["reporters"], incident["priority"]) == (2, 2, "P1")
    items = client.get(f"/api/v1/incidents/{incident['id']}/items").json()
    assert [i["text"] for i in items] == REPORTS
    page = client.get("/incidents")
    assert "Weavers Arms" in page.text and "Split out" not in page.text  # handlers cannot split


def test_handlers_may_not_split(client: TestClient) -> None:
    ids = _post_reports(client)
    token = sign_in(client, "ann")
    response = client.post(f"/api/v1/messages/{ids[1]}/split", json={"reason": "different"},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 403 and response.json()["code"] == "supervisor_only"


def test_a_supervisor_splits_then_merges_back(client: TestClient, beacon: Beacon) -> None:
    ids = _post_reports(client)
    token = sign_in(client, "sgt")
    headers = {"X-CSRF-Token": token}
    split = client.post(f"/api/v1/messages/{ids[1]}/split", json={"reason": "another pub"}, headers=headers)
    assert split.status_code == 200, split.text
    assert len(client.get("/api/v1/incidents").json()) == 0  # both now single-message incidents
    with beacon.read_session_factory() as session:
        first = session.get_one(Message, ids[0]).incident_id
    merged = client.post(f"/api/v1/incidents/{first}/merge",
                         json={"absorb_id": split.json()["id"], "reason": "same pub after all"}, headers=headers)
    assert merged.status_code == 200 and merged.json()["reports"] == 2
    with beacon.read_session_factory() as session:
        assert {m.incident_id for m in session.scalars(select(Message))} == {first}


def test_splitting_the_only_report_is_refused_clearly(client: TestClient) -> None:
    [only] = [r["id"] for r in client.post("/api/v1/messages", json=[message_data(text="My bike was stolen")]).json()["accepted"]]
    token = sign_in(client, "sgt")
    response = client.post(f"/api/v1/messages/{only}/split", json={"reason": "x y z"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 409 and response.json()["code"] == "noise_override_refused"
