"""Roles decide reassignment and export the same way on the pages, the API and the command line
(beacon.cases.roles): a handler hands on only within their own team and never into a restricted
team they are not in; the trail (the person bundle) and other teams' handover packs are for
supervisors. Refusals are 403 problem+json, and the pages do not offer what would be refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.staff.accounts import Role
from beacon.cases.teams import team_named
from beacon.store.tables import Case, User
from tests.casework.casework_builders import case_from, staff
from tests.test_restricted_teams import restrict_safeguarding, signed_in

runner = CliRunner()


@pytest.fixture
def desk(any_beacon: Beacon) -> Iterator[Beacon]:
    staff(any_beacon, "hal")
    staff(any_beacon, "gus")  # another General handler
    with any_beacon.session_factory.begin() as session:  # a Roads handler
        roads = team_named(session, 1, "Roads").id
    rob = staff(any_beacon, "rob")
    with any_beacon.session_factory.begin() as session:
        session.get_one(User, rob).team_id = roads
    staff(any_beacon, "sue", Role.SUPERVISOR)
    restrict_safeguarding(any_beacon)
    yield any_beacon


def _ids(beacon: Beacon) -> dict[str, int]:
    with beacon.read_session_factory() as session:
        users = {u.username: u.id for u in session.scalars(select(User))}
        teams = {name: team_named(session, 1, name).id for name in ("General", "Roads", "Safeguarding")}
    return {**users, **teams}


def _general_case(beacon: Beacon) -> int:
    case_id = case_from(beacon, "He has a knife")
    with beacon.session_factory.begin() as session:
        session.get_one(Case, case_id).team_id = team_named(session, 1, "General").id
    return case_id


def test_a_handler_reassigns_within_their_own_team_only(desk: Beacon) -> None:
    case_id, ids = _general_case(desk), _ids(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        outside = client.post(f"/api/v1/cases/{case_id}/assignee", json={"user_id": ids["rob"], "reason": "roads"})
        inside = client.post(f"/api/v1/cases/{case_id}/assignee", json={"user_id": ids["gus"], "reason": "his caller"})
        page = client.post(f"/cases/{case_id}/reassign", data={"to_user": ids["rob"], "reason": "x"},
                           follow_redirects=False)
    assert outside.status_code == 403 and outside.headers["content-type"] == "application/problem+json"
    assert "within their own team" in outside.json()["detail"]
    assert inside.status_code == 200 and inside.json()["assignee_id"] == ids["gus"]
    assert page.status_code == 403
    client, _ = signed_in(desk, "sue")
    with client:
        assert client.post(f"/api/v1/cases/{case_id}/assignee",
                           json={"user_id": ids["rob"], "reason": "roads"}).status_code == 200


def test_no_one_hands_a_restricted_case_to_someone_who_cannot_see_it(desk: Beacon) -> None:
    case_id, ids = _general_case(desk), _ids(desk)
    client, _ = signed_in(desk, "sue")
    with client:
        moved = client.post(f"/api/v1/cases/{case_id}/team", json={"team_id": ids["Safeguarding"], "reason": "DA"})
        to_outsider = client.post(f"/api/v1/cases/{case_id}/assignee", json={"user_id": ids["hal"], "reason": "x"})
    assert moved.status_code == 200 and moved.json()["team_id"] == ids["Safeguarding"]
    assert to_outsider.status_code == 403 and "not in the restricted team" in to_outsider.json()["detail"]


def test_a_handler_moves_a_case_but_not_into_a_restricted_team_they_are_not_in(desk: Beacon) -> None:
    case_id, ids = _general_case(desk), _ids(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        page = client.get(f"/cases/{case_id}", headers={"accept": "text/html"}).text
        refused = client.post(f"/api/v1/cases/{case_id}/team", json={"team_id": ids["Safeguarding"], "reason": "DA"})
        moved = client.post(f"/cases/{case_id}/team", data={"team_id": ids["Roads"], "reason": "a crash"},
                            follow_redirects=False)
        back = client.post(f"/api/v1/cases/{case_id}/team", json={"team_id": ids["General"], "reason": "mine"})
    assert 'action="/cases/%d/team"' % case_id in page and "Safeguarding" not in page.split("to-team")[1][:400]
    assert refused.status_code == 403 and "restricted team they are not in" in refused.json()["detail"]
    assert moved.status_code == 303
    assert back.status_code == 403  # a Roads case now: not the General handler's to move


def test_moving_into_a_restricted_team_sends_an_outsiders_case_back_to_the_queue(desk: Beacon) -> None:
    case_id, ids = _general_case(desk), _ids(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        assert client.post(f"/cases/{case_id}/take", follow_redirects=False).status_code == 303
    client, _ = signed_in(desk, "sue")
    with client:
        moved = client.post(f"/api/v1/cases/{case_id}/team", json={"team_id": ids["Safeguarding"], "reason": "DA"})
    assert moved.json() == {"team_id": ids["Safeguarding"], "assignee_id": None}


def test_exports_by_role(desk: Beacon) -> None:
    case_id, ids = _general_case(desk), _ids(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        assert client.get("/exports/inbox.csv").status_code == 200
        assert client.get(f"/audit/export.csv?case_id={case_id}").status_code == 403
        assert client.post("/handovers", data={"team_id": ids["Roads"]}).status_code == 403
        assert client.post("/handovers", data={"team_id": ids["General"]}, follow_redirects=False).status_code == 303
        offered = client.get("/handovers", headers={"accept": "text/html"}).text.split('name="team_id"')[1][:300]
        page = client.get(f"/cases/{case_id}", headers={"accept": "text/html"}).text
    assert "General" in offered and "Roads" not in offered
    assert "/audit/cases/" not in page
    client, _ = signed_in(desk, "sue")
    with client:
        assert client.get(f"/audit/export.csv?case_id={case_id}").status_code == 200
        assert client.post("/handovers", data={"team_id": ids["Roads"]}, follow_redirects=False).status_code == 303


def test_the_command_line_applies_the_same_rule(beacon: Beacon) -> None:
    _register()
    env = {"BEACON_DATABASE_URL": beacon.settings.database_url, "BEACON_VAR_DIR": str(beacon.settings.var_dir)}
    staff(beacon, "hal")
    staff(beacon, "sue", Role.SUPERVISOR)
    restrict_safeguarding(beacon)
    case_id = _general_case(beacon)
    with beacon.read_session_factory() as session:
        reference = session.get_one(Case, case_id).reference
    refused = runner.invoke(app, ["case", "team", reference, "Safeguarding", "--as", "hal", "--reason", "DA"], env=env)
    assert refused.exit_code == 2 and "restricted team they are not in" in refused.output
    moved = runner.invoke(app, ["case", "team", reference, "Safeguarding", "--as", "sue", "--reason", "DA"], env=env)
    assert moved.exit_code == 0, moved.output
    hidden = runner.invoke(app, ["case", "reassign", reference, "--to", "sue", "--as", "hal", "--reason", "x"], env=env)
    assert hidden.exit_code == 2 and f"not found: case {reference}" in hidden.output
    handed = runner.invoke(app, ["case", "reassign", reference, "--to", "hal", "--as", "sue", "--reason", "x"], env=env)
    assert handed.exit_code == 2 and "not in the restricted team" in handed.output
