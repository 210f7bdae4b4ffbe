"""The 360° person page and the people API: timeline across channels, markers, candidates,
merges and unmerges, moving a message between cases, monitored needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force
from beacon.store.tables import Case, CaseEntry, Message
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.people.people_builders import send

PASSWORD = "correct horse battery"
SMS = {"channel": "sms", "channel_account": "+447700900000"}
WHATSAPP = {"channel": "whatsapp", "channel_account": "+447700900999"}
EMAIL = {"channel": "email", "channel_account": "contact@force.uk"}


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
        create_user(session, force_slug="other", username="olu", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(beacon)) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str) -> str:
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client.get("/rota").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_person_page_shows_every_channel_newest_first_with_cases(client: TestClient, beacon: Beacon) -> None:
    first = send(beacon, **SMS, author={"id": "07700 900123"}, text="He has a knife and is outside my door")
    second = send(beacon, **WHATSAPP, author={"id": "+447700900123", "name": "Jo Bloggs"}, text="hurry please")
    assert second.person_id == first.person_id  # one number on two channels is one person
    sign_in(client, "ann")
    page = client.get(f"/persons/{first.person_id}").text
    assert "SMS" in page and "WhatsApp" in page
    assert page.index("hurry please") < page.index("He has a knife")  # newest first
    with beacon.read_session_factory() as session:
        reference = session.get_one(Case, first.case_id).reference
    assert f'href="/cases/{first.case_id}"' in page and reference in page and "prio-p1" in page
    timeline = client.get(f"/api/v1/persons/{first.person_id}/timeline").json()
    assert [e["message_id"] for e in timeline] == [second.id, first.id]
    assert timeline[0]["case_reference"] == reference and timeline[0]["attach_reason"].startswith("attached:")
    assert timeline[1]["disposition"] == "case"


def test_markers_need_a_reason_and_follow_the_person_onto_the_case_page(client: TestClient, beacon: Beacon) -> None:
    message = send(beacon, **SMS, author={"id": "+447700900124"}, text="He has a knife")
    token = sign_in(client, "ann")
    headers = {"X-CSRF-Token": token}
    url = f"/api/v1/persons/{message.person_id}/markers"
    refused = client.post(url, json={"kind": "officer_risk", "value": "dog", "reason": "   "}, headers=headers)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert client.post(url, json={"kind": "astrology", "value": "x", "reason": "y"}, headers=headers).status_code == 422
    marker = client.post(url, json={"kind": "officer_risk", "value": "large dog", "reason": "told by caller"},
                         headers=headers).json()["id"]
    case_page = client.get(f"/cases/{message.case_id}").text
    assert f'href="/persons/{message.person_id}"' in case_page and "large dog" in case_page
    assert client.delete(f"{url}/{marker}", headers=headers).status_code == 422  # no reason
    assert client.delete(f"{url}/{marker}", params={"reason": "dog rehomed"}, headers=headers).status_code == 200
    assert "large dog" not in client.get(f"/cases/{message.case_id}").text
    assert any(r.startswith("marker removed: officer_risk: dog rehomed")
               for r in _reasons(beacon, "person", message.person_id or 0))


def test_confirming_a_candidate_merges_and_the_merge_undoes(client: TestClient, beacon: Beacon) -> None:
    a = send(beacon, **SMS, author={"id": "+447700900125"}, text="My neighbour is shouting, call me")
    b = send(beacon, **EMAIL, author={"id": "pat@example.org"}, text="It is me again, ring +447700900125")
    token = sign_in(client, "ann")
    headers = {"X-CSRF-Token": token}
    [candidate] = client.get(f"/api/v1/persons/{a.person_id}/candidates").json()
    assert candidate["other_person_id"] == b.person_id and candidate["evidence"][0]["kind"] == "phone_in_text"
    confirm = f"/api/v1/candidates/{candidate['id']}/confirm"
    assert client.post(confirm, json={"basis": "hunch", "reason": "x"}, headers=headers).status_code == 422
    merged = client.post(confirm, json={"basis": "consent", "reason": "she confirmed"}, headers=headers).json()
    assert merged["status"] == "confirmed"
    channels = {e["channel"] for e in client.get(f"/api/v1/persons/{a.person_id}/timeline").json()}
    assert channels == {"sms", "email"}
    page = client.get(f"/persons/{a.person_id}").text
    assert "she confirmed" in page and "Unmerge" not in page  # undoing a merge is a supervisor's (issue 14)
    undo = f"/api/v1/merges/{merged['merge_id']}/undo"
    assert client.post(undo, json={"reason": "two people"}, headers=headers).status_code == 403
    headers = {"X-CSRF-Token": sign_in(client, "sue")}
    assert "Unmerge" in client.get(f"/persons/{a.person_id}").text
    undone = client.post(undo, json={"reason": "two people"}, headers=headers)
    assert undone.status_code == 200
    assert {e["channel"] for e in client.get(f"/api/v1/persons/{a.person_id}/timeline").json()} == {"sms"}
    again = client.post(f"/api/v1/merges/{merged['merge_id']}/undo", json={"reason": "x"}, headers=headers)
    assert again.status_code == 422


def test_a_handler_moves_a_message_and_both_timelines_say_so(client: TestClient, beacon: Beacon) -> None:
    a = send(beacon, **SMS, author={"id": "+447700900126"}, text="He has a knife in the park")
    b = send(beacon, **SMS, author={"id": "+447700900127"}, text="Man with a knife by the swings")
    assert a.case_id != b.case_id
    token = sign_in(client, "ann")
    with beacon.read_session_factory() as session:
        target = session.get_one(Case, a.case_id).reference
    page = client.get(f"/cases/{b.case_id}").text
    assert f'action="/messages/{b.id}/move"' in page
    response = client.post(f"/messages/{b.id}/move", data={"case_reference": target.lower(), "reason": "same man",
                                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    with beacon.read_session_factory() as session:
        assert session.get_one(Message, b.id).case_id == a.case_id
        moved = session.scalars(select(CaseEntry).where(CaseEntry.kind == "moved").order_by(CaseEntry.case_id)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "message")).all()
    assert sorted(e.case_id for e in moved) == sorted([a.case_id, b.case_id])
    assert [(e.action, e.data["from_case"], e.data["to_case"]) for e in events] == [("changed", b.case_id, a.case_id)]
    assert "Man with a knife by the swings" in client.get(f"/cases/{a.case_id}").text
    headers = {"X-CSRF-Token": token}
    same = client.post(f"/api/v1/messages/{b.id}/move", json={"case_id": a.case_id, "reason": "x"}, headers=headers)
    assert same.status_code == 422
    missing = client.post(f"/api/v1/messages/{b.id}/move", json={"case_reference": "BC-000000-9999", "reason": "x"},
                          headers=headers)
    assert missing.status_code == 404


def test_a_message_cannot_be_moved_into_another_forces_case(client: TestClient, beacon: Beacon) -> None:
    ours = send(beacon, **SMS, author={"id": "+447700900128"}, text="He has a knife")
    token = sign_in(client, "olu")
    with beacon.session_factory.begin() as session:
        message = session.get_one(Message, ours.id)
        other_force = session.scalar(select(Case.force_id).where(Case.id == ours.case_id))
        assert other_force == message.force_id
    response = client.post(f"/api/v1/messages/{ours.id}/move", json={"case_id": ours.case_id, "reason": "x"},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 404


def test_monitored_needs_are_counted_by_beat(client: TestClient, beacon: Beacon) -> None:
    send(beacon, **SMS, author={"id": "+447700900129"}, text="Why is the police helicopter over my house?")
    sign_in(client, "ann")
    needs = client.get("/api/v1/monitored-needs").json()
    assert {"need": "police_activity", "count": 1} in [{k: n[k] for k in ("need", "count")} for n in needs["needs"]]


def _reasons(beacon: Beacon, object_type: str, object_id: int) -> list[str]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent.reason).where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id)).order_by(AuditEvent.id)))
