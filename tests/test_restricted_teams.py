"""Teams as a boundary (issue 14): a restricted team's cases are seen only by its members and the
force's supervisors and admins; anyone else gets the 404 of a case that does not exist, and the
refusal is on the audit log. Managed with `beacon team`. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.staff.accounts import Role
from beacon.cases.teams import add_member, set_restricted, team_named
from beacon.store.tables import Case, Message, Team, User
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.casework.casework_builders import PASSWORD, case_from, staff

runner = CliRunner()
SYSTEM = Actor("system", None, "test")


def restrict_safeguarding(beacon: Beacon, member: str | None = None) -> int:
    with beacon.session_factory.begin() as session:
        team = team_named(session, 1, "Safeguarding")
        set_restricted(session, team, True, SYSTEM, beacon.clock.now())
        if member:
            add_member(session, team, member, SYSTEM, beacon.clock.now())
        return team.id


def safeguarding_case(beacon: Beacon, text: str = "My partner has a knife and hits me", **kw: object) -> int:
    case_id = case_from(beacon, text, **kw)
    with beacon.session_factory.begin() as session:
        session.get_one(Case, case_id).team_id = team_named(session, 1, "Safeguarding").id
    return case_id


def signed_in(beacon: Beacon, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(beacon))
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                       follow_redirects=False).status_code == 303
    csrf = client.get("/rota").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.headers["X-CSRF-Token"] = csrf
    return client, csrf


@pytest.fixture
def desk(any_beacon: Beacon) -> Iterator[Beacon]:
    staff(any_beacon, "hal")  # a General handler
    staff(any_beacon, "sam")  # a handler who will be in Safeguarding
    staff(any_beacon, "sue", Role.SUPERVISOR)
    restrict_safeguarding(any_beacon, member="sam")
    yield any_beacon


def test_an_outsider_gets_the_404_of_a_case_that_does_not_exist_and_it_is_recorded(desk: Beacon) -> None:
    case_id = safeguarding_case(desk)
    client, _ = signed_in(desk, "hal")
    with client:
        hidden = client.get(f"/api/v1/cases/{case_id}")
        missing = client.get("/api/v1/cases/99999")
        page = client.get(f"/cases/{case_id}", headers={"accept": "text/html"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert hidden.json()["detail"] == f"no case {case_id}" and hidden.json()["code"] == missing.json()["code"]
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    with desk.read_session_factory() as session:
        refusals = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "refused",
                                                                 AuditEvent.object_type == "case")))
    whys = [(e.object_id, (e.data or {}).get("why"), (e.data or {}).get("route")) for e in refusals]
    assert (str(case_id), "restricted_team", "GET /api/v1/cases/{case_id}") in whys
    assert ("99999", "not_found", "GET /api/v1/cases/{case_id}") in whys
    assert (str(case_id), "restricted_team", "GET /cases/{case_id}") in whys


def test_members_and_supervisors_see_it_and_lists_show_it_only_to_them(desk: Beacon) -> None:
    case_id = safeguarding_case(desk)
    case_from(desk, "A man with a knife in the park", author={"id": "+447700900777"})
    with desk.read_session_factory() as session:
        reference = session.get_one(Case, case_id).reference
    for username, sees in (("hal", False), ("sam", True), ("sue", True)):
        client, _ = signed_in(desk, username)
        with client:
            assert (client.get(f"/api/v1/cases/{case_id}").status_code == 200) is sees, username
            listed = [row["id"] for row in client.get("/api/v1/cases").json()]
            assert (case_id in listed) is sees and len(listed) == (2 if sees else 1), username
            assert (reference in client.get("/exports/inbox.csv").text) is sees, username
            assert (reference in client.get("/alerts/bar").text or not sees), username


def test_a_persons_other_contact_stays_visible_without_the_restricted_case(desk: Beacon) -> None:
    """One citizen, a Roads matter and a safeguarding one: the Roads handler sees the person and
    the Roads case, not the safeguarding case or its words."""
    visible = case_from(desk, "A car crashed with a knife inside", author={"id": "+447700900888"})
    hidden = safeguarding_case(desk, "Zebra: my partner has a knife", author={"id": "+447700900889"})
    with desk.session_factory.begin() as session:  # the same citizen (as a merge would make them)
        person = session.scalars(select(Message.person_id).where(Message.case_id == visible)).one()
        session.get_one(Case, hidden).person_id = person
        session.scalars(select(Message).where(Message.case_id == hidden)).one().person_id = person
    client, _ = signed_in(desk, "hal")
    with client:
        page = client.get(f"/persons/{person}", headers={"accept": "text/html"})
        timeline = client.get(f"/api/v1/persons/{person}/timeline").json()
    assert page.status_code == 200 and "Zebra" not in page.text
    assert [entry.get("case_id") for entry in timeline if entry.get("case_id")] == [visible]
    assert "Zebra" not in str(timeline)


def test_a_person_known_only_through_a_restricted_case_is_hidden(desk: Beacon) -> None:
    case_id = safeguarding_case(desk)
    with desk.read_session_factory() as session:
        person = session.scalars(select(Message.person_id).where(Message.case_id == case_id)).one()
    for username, status in (("hal", 404), ("sam", 200)):
        client, _ = signed_in(desk, username)
        with client:
            assert client.get(f"/api/v1/persons/{person}").status_code == status, username


# --- the command line --------------------------------------------------------------------

@pytest.fixture
def env(beacon: Beacon, tmp_path: Path) -> dict[str, str]:
    _register()
    staff(beacon, "ada", Role.ADMIN)
    staff(beacon, "hal")
    return {"BEACON_DATABASE_URL": beacon.settings.database_url, "BEACON_VAR_DIR": str(beacon.settings.var_dir)}


def test_team_commands_add_restrict_and_manage_members(beacon: Beacon, env: dict[str, str]) -> None:
    added = runner.invoke(app, ["team", "add", "Child Protection", "--as", "ada", "--restricted"], env=env)
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["team", "member-add", "Child Protection", "hal", "--as", "ada"], env=env).exit_code == 0
    listed = runner.invoke(app, ["team", "list", "--as", "hal"], env=env).output
    assert "Child Protection" in listed and "yes" in listed and "hal" in listed
    assert runner.invoke(app, ["team", "unrestrict", "Child Protection", "--as", "ada"], env=env).exit_code == 0
    assert runner.invoke(app, ["team", "member-remove", "Child Protection", "hal", "--as", "ada"],
                         env=env).exit_code == 0
    with beacon.read_session_factory() as session:
        team = session.scalars(select(Team).where(Team.name == "Child Protection")).one()
        assert team.restricted is False
        changes = [e.reason for e in session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "team").order_by(AuditEvent.id))]
    assert changes == ["team added", "member added", "team open to the force", "member removed"]


def test_only_admins_manage_teams_and_mistakes_are_clear_errors(env: dict[str, str]) -> None:
    refused = runner.invoke(app, ["team", "restrict", "Safeguarding", "--as", "hal"], env=env)
    assert refused.exit_code == 2 and "teams are managed by admins" in refused.output
    unknown = runner.invoke(app, ["team", "restrict", "Nope", "--as", "ada"], env=env)
    assert unknown.exit_code == 2 and "no team 'Nope'" in unknown.output
    twice = runner.invoke(app, ["team", "add", "Roads", "--as", "ada"], env=env)
    assert twice.exit_code == 2 and "already exists" in twice.output


def test_alerts_reach_only_those_on_duty_who_may_see_the_case(desk: Beacon) -> None:
    """A force-wide handler shift is not told of a restricted team's P1; its member is."""
    from beacon.store.tables_casework import Alert
    from tests.casework.casework_builders import on_shift, tick

    with desk.read_session_factory() as session:
        ids = {name: session.scalars(select(User.id).where(User.username == name)).one() for name in ("hal", "sam")}
    on_shift(desk, ids["hal"], "handler", team=None)
    on_shift(desk, ids["sam"], "handler", team=None)
    case_id = safeguarding_case(desk)
    tick(desk)
    with desk.read_session_factory() as session:
        alert = session.scalars(select(Alert).where(Alert.case_id == case_id)).one()
        told = {user for step in alert.notified for user in step.get("users", [])}
        holder = session.get_one(Case, case_id).assignee_id
    assert ids["sam"] in told and ids["hal"] not in told
    assert holder in (None, ids["sam"])
