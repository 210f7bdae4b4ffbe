"""Roles decide person merges the same way on the pages, the JSON API and the command line: a
merge or unmerge by hand is a supervisor's or admin's; a handler is refused 403 (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.people.merges import merge_persons
from beacon.people.roles import may_merge
from beacon.staff.accounts import Role, create_user
from beacon.store.tables_people import PersonMerge
from beacon.web.app import create_app
from tests.people.people_builders import send

PASSWORD = "correct horse battery"
BASIS = {"basis": "consent", "reason": "she told us both numbers are hers"}


@pytest.fixture
def client(any_beacon: Beacon) -> Iterator[TestClient]:
    with any_beacon.session_factory.begin() as session:
        for name, role in (("hal", Role.HANDLER), ("sue", Role.SUPERVISOR), ("ada", Role.ADMIN)):
            create_user(session, force_slug="demo", username=name, password=PASSWORD, role=role)
    with TestClient(create_app(any_beacon)) as test_client:
        yield test_client


def _sign_in(client: TestClient, username: str) -> dict[str, str]:
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return {"X-CSRF-Token": client.get("/rota").text.split('name="csrf_token" value="')[1].split('"')[0]}


def _two_people(beacon: Beacon) -> tuple[int, int]:
    a = send(beacon, author={"id": "+447700900601"}, text="my bike was stolen")
    b = send(beacon, author={"id": "+447700900602"}, text="my car was stolen")
    assert a.person_id and b.person_id and a.person_id != b.person_id
    return a.person_id, b.person_id


def _merges(beacon: Beacon) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count(PersonMerge.id))) or 0)


def test_a_handler_cannot_merge_by_api_or_form(client: TestClient, any_beacon: Beacon) -> None:
    a, b = _two_people(any_beacon)
    headers = _sign_in(client, "hal")
    api = client.post(f"/api/v1/persons/{a}/merge", json={**BASIS, "other_id": b}, headers=headers)
    assert api.status_code == 403 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "forbidden"
    form = client.post(f"/persons/{a}/merge", data={**BASIS, "other_id": b, "csrf_token": headers["X-CSRF-Token"]})
    assert form.status_code == 403
    assert _merges(any_beacon) == 0
    assert 'action="/persons/' + str(a) + '/merge"' not in client.get(f"/persons/{a}").text  # no form offered


def test_a_handler_cannot_undo_a_merge(client: TestClient, any_beacon: Beacon) -> None:
    a, b = _two_people(any_beacon)
    with any_beacon.session_factory.begin() as session:
        merge = merge_persons(session, 1, a, b, actor=Actor.system("tests"), now=any_beacon.clock.now(), **BASIS)
        merge_id = merge.id
    headers = _sign_in(client, "hal")
    assert client.post(f"/api/v1/merges/{merge_id}/undo", json={"reason": "x"}, headers=headers).status_code == 403
    with any_beacon.read_session_factory() as session:
        assert session.get_one(PersonMerge, merge_id).undone_at is None


@pytest.mark.parametrize("username", ["sue", "ada"])
def test_supervisors_and_admins_merge_and_unmerge(client: TestClient, any_beacon: Beacon, username: str) -> None:
    a, b = _two_people(any_beacon)
    headers = _sign_in(client, username)
    merged = client.post(f"/api/v1/persons/{a}/merge", json={**BASIS, "other_id": b}, headers=headers)
    assert merged.status_code == 201, merged.text
    undone = client.post(f"/api/v1/merges/{merged.json()['id']}/undo", json={"reason": "two people"}, headers=headers)
    assert undone.status_code == 200


def test_the_command_line_follows_the_same_rule() -> None:
    assert [role.value for role in Role if may_merge(role.value)] == ["supervisor", "admin"]
