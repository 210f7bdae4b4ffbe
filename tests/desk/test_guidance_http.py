"""The guidance panel beside a case, the article pages, and admins' versioned edits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_guidance import GuidanceArticle, GuidanceVersion
from beacon.web.app import create_app
from tests.desk.desk_builders import add_case, force_id
from tests.test_http import PASSWORD, sign_in


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
        create_user(session, force_slug="demo", username="ada", password=PASSWORD, role=Role.ADMIN)
        create_user(session, force_slug="other", username="olu", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(beacon)) as test_client:
        yield test_client


@pytest.fixture
def self_harm_case(beacon: Beacon) -> int:
    with beacon.session_factory.begin() as session:
        case = add_case(session, force_id(session), beacon.clock.now(), channel="sms", category="self_harm",
                        person_name="Jess Morgan", text="I can't go on, I've taken pills. Goodbye")
        return case.id


def _article_id(beacon: Beacon, slug: str) -> int:
    with beacon.read_session_factory() as session:
        return session.scalars(select(GuidanceArticle.id).where(GuidanceArticle.slug == slug)).one()


def test_panel_shows_matching_guidance_and_filled_sms_template(client: TestClient, self_harm_case: int) -> None:
    sign_in(client, "ann")
    panel = client.get(f"/cases/{self_harm_case}/guidance")
    assert panel.status_code == 200
    assert "Someone may harm themselves" in panel.text
    assert "116 123" in panel.text  # Samaritans, in the rendered article and template
    assert "Jess, thank you for telling us" in panel.text  # first name filled in
    assert "WB-261128-" in panel.text and "for SMS" in panel.text
    assert "<html" not in panel.text  # a partial, for htmx


def test_the_panel_is_recorded_as_a_read_of_the_case(client: TestClient, beacon: Beacon,
                                                     self_harm_case: int) -> None:
    sign_in(client, "ann")
    client.get(f"/cases/{self_harm_case}/guidance")
    with beacon.read_session_factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.reason == "guidance panel")).one()
    assert (event.action, event.object_type, event.object_id) == ("read", "case", str(self_harm_case))
    assert "self-harm-and-suicide-risk" in event.data["articles"]


def test_case_page_loads_the_panel(client: TestClient, self_harm_case: int) -> None:
    sign_in(client, "ann")
    page = client.get(f"/cases/{self_harm_case}")
    assert f'hx-get="/cases/{self_harm_case}/guidance"' in page.text


def test_first_read_stores_shipped_articles_as_version_one(client: TestClient, beacon: Beacon) -> None:
    sign_in(client, "ann")
    assert client.get("/guidance").status_code == 200
    with beacon.read_session_factory() as session:
        versions = list(session.scalars(select(GuidanceVersion.version)))
    assert len(versions) == 8 and set(versions) == {1}


def test_admin_edit_makes_a_new_version_and_an_audit_event(client: TestClient, beacon: Beacon) -> None:
    token = sign_in(client, "ada")
    client.get("/guidance")
    article_id = _article_id(beacon, "fraud")
    response = client.post(f"/guidance/{article_id}", follow_redirects=False, data={
        "csrf_token": token, "title": "Fraud and scams", "body": "## Courier fraud\nCall 999 if they are at the door.",
        "categories": "crime.fraud, older_person", "keywords": "courier, bank",
        "templates_yaml": "- name: Short\n  text: Hi {person_name}, ref {case_reference}",
        "note": "Courier fraud first",
    })
    assert response.status_code == 303
    page = client.get(f"/guidance/{article_id}")
    assert "Courier fraud" in page.text and "Version 2" in page.text
    old = client.get(f"/guidance/{article_id}?version=1")
    assert "Action Fraud" in old.text and "an earlier version" in old.text
    with beacon.read_session_factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "guidance_article")).one()
    assert (event.action, event.object_id, event.data) == ("changed", str(article_id), {"slug": "fraud", "version": 2})


def test_bad_templates_are_refused_with_the_form_kept(client: TestClient, beacon: Beacon) -> None:
    token = sign_in(client, "ada")
    client.get("/guidance")
    article_id = _article_id(beacon, "fraud")
    response = client.post(f"/guidance/{article_id}", data={
        "csrf_token": token, "title": "Fraud", "body": "x", "templates_yaml": "- name: no text", "note": "try",
    })
    assert response.status_code == 422 and "Reply templates" in response.text


def test_handlers_cannot_edit(client: TestClient, beacon: Beacon) -> None:
    token = sign_in(client, "ann")
    client.get("/guidance")
    article_id = _article_id(beacon, "fraud")
    response = client.post(f"/guidance/{article_id}", headers={"accept": "application/json"}, data={
        "csrf_token": token, "title": "Fraud", "body": "x", "note": "try"})
    assert response.status_code == 403
    assert client.get(f"/guidance/{article_id}/edit").status_code == 403


def test_another_forces_articles_and_cases_are_not_found(client: TestClient, beacon: Beacon,
                                                          self_harm_case: int) -> None:
    sign_in(client, "ann")
    client.get("/guidance")
    article_id = _article_id(beacon, "fraud")
    sign_in(client, "olu")
    assert client.get(f"/cases/{self_harm_case}/guidance").status_code == 404
    assert client.get(f"/guidance/{article_id}").status_code == 404
