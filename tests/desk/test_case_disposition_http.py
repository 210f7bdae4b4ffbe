"""A handler's disposition of a case, from the case page and the JSON API: stored, on the
timeline, audited, closing (or reopening) the case, counted with the monitored needs, and
refused with the field at fault when the input is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import Case, CaseEntry
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_desk import CaseDisposition
from beacon.web.app import create_app
from tests.desk.desk_builders import add_case, force_id
from tests.test_http import PASSWORD, sign_in

PROBLEM = "application/problem+json"


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER,
                    display_name="Ann Handler")
    with TestClient(create_app(beacon)) as test_client:
        yield test_client


def _case(beacon: Beacon, text: str = "Someone keeps phoning me saying my bank account is at risk",
          status: str = "open") -> int:
    with beacon.session_factory.begin() as session:
        case = add_case(session, force_id(session), beacon.clock.now() - timedelta(minutes=5), text=text,
                        priority="P3", category="fraud", status=status)
        return case.id


def _stored(beacon: Beacon, case_id: int) -> tuple[Case, list[CaseDisposition], list[CaseEntry]]:
    with beacon.read_session_factory() as session:
        case = session.get_one(Case, case_id)
        rows = list(session.scalars(select(CaseDisposition).where(CaseDisposition.case_id == case_id)))
        entries = list(session.scalars(select(CaseEntry).where(CaseEntry.case_id == case_id).order_by(CaseEntry.id)))
        session.expunge_all()
        return case, rows, entries


def test_sharing_from_the_page_records_the_partner_closes_the_case_and_shows_it(
    client: TestClient, beacon: Beacon,
) -> None:
    case_id = _case(beacon)
    token = sign_in(client, "ann")
    response = client.post(f"/cases/{case_id}/disposition", follow_redirects=False, data={
        "outcome": "share", "partner": "action_fraud", "reason": "Phone fraud, no threat", "csrf_token": token})
    assert response.status_code == 303
    case, [row], entries = _stored(beacon, case_id)
    assert (row.outcome, row.partner, row.reason) == ("share", "action_fraud", "Phone fraud, no threat")
    assert row.recipient is not None and row.recipient.startswith("Action Fraud")
    assert case.status == "closed" and case.closed_at is not None
    assert [e.kind for e in entries][-2:] == ["disposition", "status"]
    page = client.get(f"/cases/{case_id}").text
    assert "Shared with Action Fraud" in page and "Phone fraud, no threat" in page
    assert '<dd id="disposition-now">Share with a partner</dd>' in page
    live = client.get("/control-room/live").text
    shared_panel = live.split('id="cr-shared-h"')[1].split("</section>")[0]
    assert "<td>Action Fraud (national fraud reporting centre)</td><td class=\"num\">1</td>" in shared_panel
    assert "Action Fraud (national fraud reporting centre),1" in client.get("/control-room.csv?table=shared").text
    with beacon.read_session_factory() as session:
        changes = [e.data for e in session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id), AuditEvent.action == "changed"))]
    assert [c["field"] for c in changes] == ["disposition", "status"]
    assert changes[0]["partner"] == "action_fraud" and changes[1]["to"] == "closed"


@pytest.mark.parametrize(("form", "field_error"), [
    ({"outcome": "share", "reason": "fraud"}, "choose a partner"),
    ({"outcome": "share", "partner": "the_press", "reason": "fraud"}, "choose a partner"),
    ({"outcome": "close", "reason": "   "}, "say why the case is set to close"),
    ({"outcome": "monitor", "beat": "NOWHERE-9", "reason": "helicopter questions"}, "no beat"),
    ({"outcome": "archive", "reason": "x"}, "choose close, share, monitor or keep as a case"),
])
def test_a_refused_page_form_says_why_beside_the_form_and_keeps_the_input(
    client: TestClient, beacon: Beacon, form: dict[str, str], field_error: str,
) -> None:
    case_id = _case(beacon)
    token = sign_in(client, "ann")
    response = client.post(f"/cases/{case_id}/disposition", data={**form, "csrf_token": token})
    assert response.status_code == 422
    assert 'role="alert" id="disposition-error"' in response.text and field_error in response.text
    assert 'aria-invalid="true"' in response.text
    if form.get("reason", "").strip():
        assert f">{form['reason']}</textarea>" in response.text  # what was typed is still there
    case, rows, _ = _stored(beacon, case_id)
    assert rows == [] and case.status == "open"


def test_the_api_sets_a_monitor_disposition_and_it_is_counted_on_its_beat(client: TestClient, beacon: Beacon) -> None:
    case_id = _case(beacon, text="Why is the helicopter over Rosehill again?")
    token = sign_in(client, "ann")
    response = client.post(f"/api/v1/cases/{case_id}/disposition", headers={"X-CSRF-Token": token},
                           json={"outcome": "monitor", "beat": "BH-03", "need": "helicopter", "reason": "a question, no crime"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "closed"
    assert {k: body["disposition"][k] for k in ("outcome", "beat", "need")} == {
        "outcome": "monitor", "beat": "BH-03", "need": "helicopter"}
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert detail["disposition"]["outcome"] == "monitor" and detail["timeline"][-2]["kind"] == "disposition"
    needs = client.get("/api/v1/monitored-needs").json()
    assert {"beat": "BH-03", "need": "helicopter", "count": 1} in needs["needs"] and needs["by_beat"]["BH-03"] == 1
    assert "BH-03,Rosehill,1,1" in client.get("/control-room.csv?table=beats").text  # the text names Rosehill


@pytest.mark.parametrize(("body", "code"), [
    ({"outcome": "archive", "reason": "x"}, "validation_failed"),
    ({"outcome": "share", "partner": "the_press", "reason": "x"}, "disposition_refused"),
    ({"outcome": "close"}, "disposition_refused"),
    ({"outcome": "monitor", "beat": "NOWHERE-9", "reason": "x"}, "disposition_refused"),
    ({"outcome": "close", "reason": "x" * 2001}, "validation_failed"),
])
def test_the_api_refuses_bad_input_with_a_problem(client: TestClient, beacon: Beacon, body: dict[str, str], code: str) -> None:
    case_id = _case(beacon)
    token = sign_in(client, "ann")
    response = client.post(f"/api/v1/cases/{case_id}/disposition", headers={"X-CSRF-Token": token}, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == code
    _, rows, _ = _stored(beacon, case_id)
    assert rows == []


def test_keeping_a_closed_case_as_a_case_reopens_it(client: TestClient, beacon: Beacon) -> None:
    case_id = _case(beacon, status="closed")
    token = sign_in(client, "ann")
    response = client.post(f"/api/v1/cases/{case_id}/disposition", headers={"X-CSRF-Token": token},
                           json={"outcome": "case"})
    assert response.status_code == 200 and response.json()["status"] == "open"
    case, [row], entries = _stored(beacon, case_id)
    assert row.outcome == "case" and case.closed_at is None
    assert entries[-1].kind == "status" and entries[-1].data == {"from": "closed", "to": "open"}


def test_a_later_disposition_replaces_the_earlier_in_the_counts(client: TestClient, beacon: Beacon) -> None:
    case_id = _case(beacon)
    token = sign_in(client, "ann")
    headers = {"X-CSRF-Token": token}
    client.post(f"/api/v1/cases/{case_id}/disposition", headers=headers,
                json={"outcome": "monitor", "beat": "BH-03", "need": "noise", "reason": "first look"})
    client.post(f"/api/v1/cases/{case_id}/disposition", headers=headers, json={"outcome": "case"})
    needs = client.get("/api/v1/monitored-needs").json()
    assert needs["needs"] == [] and needs["by_beat"] == {}
    _, rows, _ = _stored(beacon, case_id)
    assert [r.outcome for r in rows] == ["monitor", "case"]  # the history stays
