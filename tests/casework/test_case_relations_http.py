"""Cases that relate through the ASGI app: the JSON API's links, parent, merge and their undoing
with problem+json refusals (itself, a cycle, another force's case as 404, closed and merged
cases, a handler merging), the case page's panel and forms (no inline script), and a merged
case's page leading to its survivor. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role
from beacon.store.forces import add_channel_account, create_force
from beacon.store.tables import Case
from beacon.store.tables_audit import AuditEvent
from tests.casework.casework_builders import case_from, staff
from tests.test_restricted_teams import restrict_safeguarding, safeguarding_case, signed_in

PROBLEM = "application/problem+json"


@pytest.fixture
def desk(any_beacon: Beacon) -> Iterator[Beacon]:
    staff(any_beacon, "hal")
    staff(any_beacon, "sue", Role.SUPERVISOR)
    yield any_beacon


def _two(beacon: Beacon) -> tuple[int, int]:
    return (case_from(beacon, "Someone smashed my car window", author={"id": "+447700900601"}),
            case_from(beacon, "My bike was stolen from the station", author={"id": "+447700900602"}))


def _reference(beacon: Beacon, case_id: int) -> str:
    with beacon.read_session_factory() as session:
        return session.get_one(Case, case_id).reference


def _problem(answer: object, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    assert answer.json()["code"] == code  # type: ignore[attr-defined]


def test_links_and_parents_through_the_api_with_problems_for_bad_requests(desk: Beacon) -> None:
    a, b = _two(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        linked = client.post(f"/api/v1/cases/{a}/links", json={"reference": _reference(desk, b), "reason": "same van"})
        assert linked.status_code == 201 and [r["case"]["id"] for r in linked.json()["related"]] == [b]
        from_b = client.get(f"/api/v1/cases/{b}/links").json()
        assert [r["case"]["id"] for r in from_b["related"]] == [a] and from_b["related"][0]["by"] == "Hal"
        _problem(client.post(f"/api/v1/cases/{a}/links", json={"case_id": a, "reason": "x"}), 422, "self_relation")
        _problem(client.post(f"/api/v1/cases/{a}/links", json={"case_id": b, "reason": "x"}), 409, "already_linked")
        _problem(client.post(f"/api/v1/cases/{a}/links", json={"case_id": b}), 422, "validation_failed")
        _problem(client.post(f"/api/v1/cases/{a}/links", json={"reason": "x"}), 422, "case_required")
        _problem(client.post(f"/api/v1/cases/{a}/links", json={"reference": "BC-990101-0001", "reason": "x"}),
                 404, "not_found")
        assert client.post(f"/api/v1/cases/{b}/parent", json={"case_id": a, "reason": "one job"}).status_code == 200
        _problem(client.post(f"/api/v1/cases/{a}/parent", json={"case_id": b, "reason": "loop"}), 409, "cycle")
        children = client.get(f"/api/v1/cases/{a}/links").json()["children"]
        assert [c["case"]["id"] for c in children] == [b]
        assert client.post(f"/api/v1/cases/{b}/detach", json={"reason": "separate"}).json()["parent"] is None
        _problem(client.post(f"/api/v1/cases/{b}/detach", json={"reason": "again"}), 409, "no_parent")
        unlinked = client.post(f"/api/v1/cases/{a}/unlink", json={"case_id": b, "reason": "different vans"})
        assert unlinked.status_code == 200 and unlinked.json()["related"] == []


def test_another_forces_case_is_a_404_and_the_refusal_is_recorded(desk: Beacon) -> None:
    with desk.session_factory.begin() as session:
        north = create_force(session, "north", "North Force", "NF").id
        add_channel_account(session, north, "sms", "+447700900999")
    desk.forces.reload()
    ours = case_from(desk, "Someone smashed my car window", author={"id": "+447700900603"})
    theirs = case_from(desk, "My bike was stolen", author={"id": "+447700900604"}, channel_account="+447700900999")
    client, _ = signed_in(desk, "sue")
    with client:
        _problem(client.post(f"/api/v1/cases/{ours}/links", json={"case_id": theirs, "reason": "x"}), 404, "not_found")
        _problem(client.post(f"/api/v1/cases/{ours}/merge", json={"case_id": theirs, "reason": "x"}), 404, "not_found")
        _problem(client.post(f"/api/v1/cases/{theirs}/links", json={"case_id": ours, "reason": "x"}), 404, "not_found")
    with desk.read_session_factory() as session:
        refusals = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.object_type == "case")).all()
    assert {(e.object_id, e.data["why"]) for e in refusals} == {(str(theirs), "other_force")}
    assert len(refusals) == 3


def test_merge_and_unmerge_through_the_api_for_supervisors_only(desk: Beacon) -> None:
    survivor, merged = _two(desk)
    handler, _ = signed_in(desk, "hal")
    with handler:
        _problem(handler.post(f"/api/v1/cases/{merged}/merge", json={"case_id": survivor, "reason": "dup"}),
                 403, "forbidden")
    client, _ = signed_in(desk, "sue")
    with client:
        answer = client.post(f"/api/v1/cases/{merged}/merge", json={"case_id": survivor, "reason": "same window"})
        assert answer.status_code == 200 and answer.json()["merged_into"]["case"]["id"] == survivor
        detail = client.get(f"/api/v1/cases/{merged}").json()
        assert detail["status"] == "closed" and [e["kind"] for e in detail["timeline"]] == ["status", "merge"]
        merged_from = client.get(f"/api/v1/cases/{survivor}/links").json()["merged_from"]
        assert [(m["case"]["id"], m["messages"], m["by"]) for m in merged_from] == [(merged, 1, "Sue")]
        _problem(client.post(f"/api/v1/cases/{merged}/links", json={"case_id": survivor, "reason": "x"}),
                 409, "case_merged")
        _problem(client.post(f"/api/v1/cases/{survivor}/merge", json={"case_id": merged, "reason": "x"}),
                 409, "case_merged")
        _problem(client.post(f"/api/v1/cases/{merged}/status", json={"status": "open"}), 409, "case_merged")
        _problem(client.post(f"/api/v1/cases/{merged}/disposition", json={"outcome": "case", "reason": "x"}),
                 409, "case_merged")
        back = client.post(f"/api/v1/cases/{merged}/unmerge", json={"reason": "two windows"})
        assert back.status_code == 200 and back.json()["merged_into"] is None
        assert client.get(f"/api/v1/cases/{merged}").json()["status"] == "new"
        _problem(client.post(f"/api/v1/cases/{merged}/unmerge", json={"reason": "again"}), 409, "not_merged")
        client.post(f"/api/v1/cases/{survivor}/status", json={"status": "closed"})
        _problem(client.post(f"/api/v1/cases/{merged}/merge", json={"case_id": survivor, "reason": "x"}),
                 409, "case_closed")


def test_a_restricted_case_is_a_404_to_an_outsider_on_either_side(desk: Beacon) -> None:
    restrict_safeguarding(desk)
    open_case = case_from(desk, "Someone smashed my car window", author={"id": "+447700900605"})
    hidden = safeguarding_case(desk, author={"id": "+447700900606"})
    supervisor, _ = signed_in(desk, "sue")
    with supervisor:
        assert supervisor.post(f"/api/v1/cases/{open_case}/links",
                               json={"case_id": hidden, "reason": "same family"}).status_code == 201
    client, _ = signed_in(desk, "hal")
    with client:
        _problem(client.post(f"/api/v1/cases/{open_case}/links", json={"reference": _reference(desk, hidden),
                                                                       "reason": "x"}), 404, "not_found")
        _problem(client.get(f"/api/v1/cases/{hidden}/links"), 404, "not_found")
        assert client.get(f"/api/v1/cases/{open_case}/links").json()["related"] == []
        page = client.get(f"/cases/{open_case}", headers={"accept": "text/html"}).text
    assert _reference(desk, hidden) not in page


def test_the_case_page_shows_relations_with_forms_and_a_merged_page_leads_on(desk: Beacon) -> None:
    survivor, merged = _two(desk)
    client, csrf = signed_in(desk, "sue")
    html = {"accept": "text/html"}
    with client:
        page = client.get(f"/cases/{survivor}", headers=html).text
        assert 'action="/cases/%d/links"' % survivor in page and 'action="/cases/%d/merge"' % survivor in page
        assert "<script>" not in page and " onclick=" not in page  # one CSP, no inline script
        linked = client.post(f"/cases/{survivor}/links", headers=html, follow_redirects=False,
                             data={"csrf_token": csrf, "reference": _reference(desk, merged), "reason": "same car"})
        assert linked.status_code == 303
        page = client.get(f"/cases/{survivor}", headers=html).text
        assert _reference(desk, merged) in page and "same car" in page and f'action="/cases/{survivor}/unlink"' in page
        bad = client.post(f"/cases/{survivor}/parent", headers=html,
                          data={"csrf_token": csrf, "reference": _reference(desk, survivor), "reason": "x"})
        assert bad.status_code == 422 and "its own parent" in bad.text
        merged_now = client.post(f"/cases/{merged}/merge", headers=html, follow_redirects=False,
                                 data={"csrf_token": csrf, "reference": _reference(desk, survivor), "reason": "dup"})
        assert merged_now.status_code == 303 and merged_now.headers["location"].startswith(f"/cases/{survivor}")
        lead = client.get(f"/cases/{merged}", headers=html, follow_redirects=False)
        assert lead.status_code == 303 and lead.headers["location"] == f"/cases/{survivor}"
        page = client.get(f"/cases/{survivor}", headers=html).text
        assert "Merged from" in page and f'action="/cases/{merged}/unmerge"' in page
        undone = client.post(f"/cases/{merged}/unmerge", headers=html, follow_redirects=False,
                             data={"csrf_token": csrf, "reason": "two cars"})
        assert undone.status_code == 303
        assert client.get(f"/cases/{merged}", headers=html, follow_redirects=False).status_code == 200
    with desk.read_session_factory() as session:
        read = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read", AuditEvent.object_id == str(survivor), AuditEvent.reason == "case page")
            .order_by(AuditEvent.id.desc())).first()
    assert read is not None and read.data == {"related_cases": [merged]}  # the linked case's title was shown


def test_a_handler_is_not_offered_a_merge(desk: Beacon) -> None:
    survivor, _ = _two(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        page = client.get(f"/cases/{survivor}", headers={"accept": "text/html"}).text
    assert f'action="/cases/{survivor}/links"' in page and f'action="/cases/{survivor}/merge"' not in page
