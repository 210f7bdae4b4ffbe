"""Search through the ASGI app: the API's JSON and its problems, the page and the box on every
page, every search on the audit log, and nothing of another force or a restricted team."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.casework.casework_builders import case_from
from tests.search.search_world import SearchWorld, build
from tests.test_restricted_teams import signed_in

HTML = {"accept": "text/html"}


@pytest.fixture
def world(any_beacon: Beacon) -> SearchWorld:
    return build(any_beacon)


@pytest.fixture
def hal(any_beacon: Beacon, world: SearchWorld) -> Iterator[TestClient]:
    client, _ = signed_in(any_beacon, "hal")
    with client:
        yield client


def searches(beacon: Beacon) -> list[AuditEvent]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "search")
                                    .order_by(AuditEvent.id)))


def test_the_api_answers_grouped_results_and_the_search_is_audited(
        any_beacon: Beacon, world: SearchWorld, hal: TestClient) -> None:
    answer = hal.get("/api/v1/search", params={"q": "stairs knife"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["counts"] == {"case": 1, "message": 1, "person": 0, "identity": 0, "reference": 0}
    [message] = body["results"]["message"]
    assert message["url"] == f"/cases/{world.open.case_id}#message-{world.open.message_id}"
    assert [f["text"] for f in message["snippet"] if f["match"]] == ["stairs", "knife"]
    [event] = searches(any_beacon)
    assert event.action == "read" and event.reason == "search (API)" and event.actor_name == "Hal"
    assert event.data["query"] == "stairs knife" and event.data["total"] == 2
    assert event.data["results"]["message"] == 1
    assert event.data["shown"] == {"case": [world.open.case_id], "message": [world.open.message_id]}


@pytest.mark.parametrize(("q", "code"), [("", "empty_query"), ("   ", "empty_query"), ("x" * 201, "query_too_long"),
                                         ("?!", "nothing_to_search")])
def test_bad_input_is_a_problem_and_not_a_search(any_beacon: Beacon, hal: TestClient, q: str, code: str) -> None:
    answer = hal.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code and answer.json()["field"] == "q"
    assert searches(any_beacon) == []


def test_the_api_needs_a_sign_in(any_beacon: Beacon, world: SearchWorld) -> None:
    with TestClient(create_app(any_beacon)) as client:
        answer = client.get("/api/v1/search", params={"q": "knife"})
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"


def test_an_outsider_finds_nothing_of_a_restricted_team_or_another_force_and_the_search_is_audited(
        any_beacon: Beacon, world: SearchWorld, hal: TestClient) -> None:
    for q in ("ostrich", "stepfather", "07700 900456", "07700 900789", "WB-46103-25", world.hidden.reference,
              world.north.reference, "Kim", "Nora"):
        assert hal.get("/api/v1/search", params={"q": q}).json()["total"] == 0, q
        page = hal.get("/search", params={"q": q}, headers=HTML)
        assert page.status_code == 200 and "search-hit" not in page.text and "Nothing found" in page.text, q
    assert [e.data["total"] for e in searches(any_beacon)] == [0] * 18


def test_a_member_of_the_restricted_team_finds_its_case(any_beacon: Beacon, world: SearchWorld) -> None:
    client, _ = signed_in(any_beacon, "sam")
    with client:
        body = client.get("/api/v1/search", params={"q": "ostrich"}).json()
    assert [h["id"] for h in body["results"]["case"]] == [world.hidden.case_id]


def test_the_page_shows_each_kind_with_links_and_escapes_the_citizens_words(
        any_beacon: Beacon, world: SearchWorld, hal: TestClient) -> None:
    case_from(any_beacon, "<script>alert(1)</script> knife at the <b>bus</b> stop")
    page = hal.get("/search", params={"q": "bus knife"}, headers=HTML)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "<b>bus</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>knife</mark> at the &lt;b&gt;<mark>bus</mark>" in page.text
    people = hal.get("/search", params={"q": "07700 900123"}, headers=HTML)
    assert f'href="/persons/{world.open.person_id}"' in people.text
    assert f'href="/cases/{world.open.case_id}"' in people.text
    assert 'id="search-person-h">People' in people.text and 'id="search-identity-h">Identities' in people.text


def test_the_page_refuses_bad_input_in_words_and_an_empty_box_is_no_search(
        any_beacon: Beacon, world: SearchWorld, hal: TestClient) -> None:
    empty = hal.get("/search", headers=HTML)
    assert empty.status_code == 200 and "search-summary" not in empty.text
    long = hal.get("/search", params={"q": "x" * 201}, headers=HTML)
    assert long.status_code == 422 and "at most 200 characters" in long.text and 'role="alert"' in long.text
    assert searches(any_beacon) == []


def test_every_page_has_the_search_box_labelled_and_reachable(world: SearchWorld, hal: TestClient) -> None:
    for path in ("/", "/rota", "/incidents", "/control-room", f"/cases/{world.open.case_id}", "/search"):
        page = hal.get(path, headers=HTML).text
        assert '<form class="topbar-search" method="get" action="/search" role="search" aria-label="Search Beacon">' \
            in page, path
        assert '<label for="search-q"' in page and 'href="#search-q">Skip to search' in page, path
        assert "style=" not in page.split('class="topbar-search"')[1].split("</form>")[0]
