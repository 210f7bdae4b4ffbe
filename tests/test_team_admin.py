"""The admins' pages for teams (`/admin/teams`) and forces (`/admin/forces`), and `beacon user
team`: the same functions as `beacon team ...` and `beacon force ...`, every change checked
(a 400 page with the reason) and audited, admins only, another force's records a 404.
SQLite and PostgreSQL, through the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cases.assignment import assign
from beacon.cli import _register, app
from beacon.cases.teams import team_named
from beacon.staff.accounts import COMMAND_LINE, Role
from beacon.store.forces import channel_accounts_of, ensure_force, force_by_slug
from beacon.store.tables import Case, ChannelAccount, Force, Team, TeamMember, User
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.casework.casework_builders import case_from, staff
from tests.test_http import sign_in

runner = CliRunner()


@pytest.fixture
def force(any_beacon: Beacon) -> Beacon:
    staff(any_beacon, "ada", Role.ADMIN)
    staff(any_beacon, "sue", Role.SUPERVISOR)
    staff(any_beacon, "hal")
    with any_beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
    staff(any_beacon, "oli", Role.ADMIN, force="other")
    return any_beacon


@pytest.fixture
def browser(force: Beacon) -> Iterator[TestClient]:
    with TestClient(create_app(force)) as client:
        yield client


def ids(beacon: Beacon, model: type, **where: object) -> int:
    with beacon.read_session_factory() as session:
        query = select(model.id)  # type: ignore[attr-defined]
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.scalars(query).one())


def team(beacon: Beacon, name: str) -> Team:
    with beacon.read_session_factory() as session:
        return team_named(session, 1, name)


def events(beacon: Beacon, object_type: str) -> list[AuditEvent]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == object_type, AuditEvent.action.in_(("created", "changed")))
            .order_by(AuditEvent.id)))


def post(client: TestClient, path: str, csrf: str, **fields: object) -> object:
    return client.post(path, data={"csrf_token": csrf, **fields}, follow_redirects=False)


# --- teams ------------------------------------------------------------------------------

def test_the_teams_page_lists_the_forces_teams_restriction_and_members(force: Beacon, browser: TestClient) -> None:
    sign_in(browser, "ada")
    page = browser.get("/admin/teams")
    assert page.status_code == 200
    general = page.text.split("<td>General</td>")[1].split("</tr>")[0]
    assert "<code>hal</code>" in general and "(home team)" in general and "Restrict" in general
    assert "Other Force" not in page.text and "oli" not in page.text


def test_only_admins_open_the_teams_page_or_change_a_team(force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "sue")
    assert browser.get("/admin/teams").status_code == 403
    refused = post(browser, f"/admin/teams/{team(force, 'Roads').id}/restricted", csrf, restricted="true")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert refused.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert post(browser, "/admin/teams", csrf, name="Sneaky").status_code == 403  # type: ignore[attr-defined]
    assert not team(force, "Roads").restricted and events(force, "team") == []


def test_an_admin_adds_a_restricted_team_and_a_mistake_is_shown_with_its_reason(
        force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "ada")
    assert post(browser, "/admin/teams", csrf, name="Child Protection", restricted="true").status_code == 303  # type: ignore[attr-defined]
    assert team(force, "Child Protection").restricted
    twice = post(browser, "/admin/teams", csrf, name="Child Protection")
    assert twice.status_code == 400 and "already exists" in twice.text  # type: ignore[attr-defined]
    empty = post(browser, "/admin/teams", csrf, name="   ")
    assert empty.status_code == 400 and "1 to 100 characters" in empty.text  # type: ignore[attr-defined]
    [added] = events(force, "team")
    assert (added.reason, added.actor_name, added.data) == ("team added", "Ada", {"restricted": True})


def test_restricting_a_team_hands_back_what_an_outsider_holds_and_is_audited(
        force: Beacon, browser: TestClient) -> None:
    case_id = case_from(force, "My partner has a knife and hits me")
    hal = ids(force, User, username="hal")
    with force.session_factory.begin() as session:
        case = session.get_one(Case, case_id)
        case.team_id = team_named(session, 1, "Safeguarding").id
        assign(session, case, hal, COMMAND_LINE, "walk", force.clock.now())
    csrf = sign_in(browser, "ada")
    safeguarding = team(force, "Safeguarding").id
    assert post(browser, f"/admin/teams/{safeguarding}/restricted", csrf, restricted="true").status_code == 303  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        assert session.get_one(Team, safeguarding).restricted
        assert session.get_one(Case, case_id).assignee_id is None  # hal may no longer see it
    assert [e.reason for e in events(force, "team")] == ["team restricted to its members"]
    released = [e for e in events(force, "case") if e.data and e.data.get("field") == "assignee"][-1]
    assert "the holder may no longer see it" in released.reason


def test_members_are_added_and_removed_and_a_home_team_is_not_removed_here(
        force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "ada")
    roads, hal = team(force, "Roads").id, ids(force, User, username="hal")
    assert post(browser, f"/admin/teams/{roads}/members", csrf, user_id=hal).status_code == 303  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        assert session.get(TeamMember, (roads, hal)) is not None
    assert post(browser, f"/admin/teams/{roads}/members/{hal}/remove", csrf).status_code == 303  # type: ignore[attr-defined]
    general = team(force, "General").id
    home = post(browser, f"/admin/teams/{general}/members/{hal}/remove", csrf)
    assert home.status_code == 400 and "home team" in home.text  # type: ignore[attr-defined]
    oli = ids(force, User, username="oli")
    assert post(browser, f"/admin/teams/{roads}/members", csrf, user_id=oli).status_code == 404  # type: ignore[attr-defined]
    assert [(e.reason, e.data) for e in events(force, "team")] == [
        ("member added", {"user_id": hal}), ("member removed", {"user_id": hal})]


def test_an_admin_sets_a_users_home_team_on_the_page(force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "ada")
    hal, roads = ids(force, User, username="hal"), team(force, "Roads").id
    assert post(browser, f"/admin/users/{hal}/team", csrf, team_id=str(roads)).status_code == 303  # type: ignore[attr-defined]
    assert post(browser, f"/admin/users/{hal}/team", csrf, team_id="").status_code == 303  # type: ignore[attr-defined]
    bad = post(browser, f"/admin/users/{hal}/team", csrf, team_id="Roads")
    assert bad.status_code == 400 and "no team" in bad.text  # type: ignore[attr-defined]
    other_team = ids(force, Team, force_id=ids(force, Force, slug="other"), name="Roads")
    assert post(browser, f"/admin/users/{hal}/team", csrf, team_id=str(other_team)).status_code == 404  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        assert session.get_one(User, hal).team_id is None
    changes = [e for e in events(force, "user") if e.object_id == str(hal)]
    assert [(e.reason, e.data["to"]) for e in changes] == [("home team set to Roads", roads), ("home team removed", None)]


def test_the_figures_rule_is_set_on_the_page_and_audited(force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "ada")
    assert post(browser, "/admin/teams/figures", csrf, hide="true").status_code == 303  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        assert session.get_one(Force, 1).hide_restricted_in_figures
    assert "Count them for everyone" in browser.get("/admin/teams").text
    [event] = events(force, "force")
    assert event.data == {"field": "hide_restricted_in_figures", "from": False, "to": True}


def test_beacon_user_team_sets_the_home_team_from_the_command_line(beacon: Beacon) -> None:
    _register()
    staff(beacon, "hal")
    env = {"BEACON_DATABASE_URL": beacon.settings.database_url, "BEACON_VAR_DIR": str(beacon.settings.var_dir)}
    done = runner.invoke(app, ["user", "team", "hal", "Roads"], env=env)
    assert done.exit_code == 0, done.output
    unknown = runner.invoke(app, ["user", "team", "hal", "Nope"], env=env)
    assert unknown.exit_code == 2 and "no team 'Nope'" in unknown.output
    nobody = runner.invoke(app, ["user", "team", "zed", "Roads"], env=env)
    assert nobody.exit_code == 2 and "no user 'zed'" in nobody.output
    with beacon.read_session_factory() as session:
        assert session.scalars(select(User.team_id).where(User.username == "hal")).one() == team_named(
            session, 1, "Roads").id
    [event] = [e for e in events(beacon, "user") if e.reason.startswith("home team")]
    assert (event.reason, event.actor_name) == ("home team set to Roads", "command line")
    hidden = runner.invoke(app, ["team", "figures", "--hide", "--as", "hal"], env=env)
    assert hidden.exit_code == 2 and "managed by admins" in hidden.output


# --- forces -----------------------------------------------------------------------------

def test_the_installations_admin_sees_every_force_and_adds_one_with_its_own_prefix(
        force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "ada")
    page = browser.get("/admin/forces")
    assert page.status_code == 200 and "<code>OF</code>" in page.text and "<code>BC</code>" in page.text
    assert post(browser, "/admin/forces", csrf, slug="north-wales", prefix="nw").status_code == 303  # type: ignore[attr-defined]
    taken = post(browser, "/admin/forces", csrf, slug="gwent", prefix="NW")
    assert taken.status_code == 400 and "already force" in taken.text  # type: ignore[attr-defined]
    bad = post(browser, "/admin/forces", csrf, slug="Bad Slug", prefix="BS")
    assert bad.status_code == 400 and "slug" in bad.text  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        created = force_by_slug(session, "north-wales")
        assert (created.case_prefix, created.name) == ("NW", "North Wales")
        assert team_named(session, created.id, "General") is not None
    [event] = [e for e in events(force, "force") if e.action == "created"]
    assert (event.object_id, event.actor_name, event.data) == (
        str(created.id), "Ada", {"slug": "north-wales", "case_prefix": "NW"})


def test_another_forces_admin_sees_only_their_own_force_and_creates_none(force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "oli")
    page = browser.get("/admin/forces")
    assert page.status_code == 200 and "<code>OF</code>" in page.text and "<code>BC</code>" not in page.text
    assert "Add a force" not in page.text
    refused = post(browser, "/admin/forces", csrf, slug="rogue", prefix="RG")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    demo = ids(force, Force, slug="demo")
    hidden = post(browser, f"/admin/forces/{demo}/accounts", csrf, channel="sms", account="+447700900123")
    assert hidden.status_code == 404  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        assert session.scalar(select(Force.id).where(Force.slug == "rogue")) is None
        assert channel_accounts_of(session, demo) == []


def test_an_admin_adds_and_removes_their_forces_channel_accounts(force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "oli")
    other = ids(force, Force, slug="other")
    added = post(browser, f"/admin/forces/{other}/accounts", csrf, channel="sms", account=" +447700900123 ")
    assert added.status_code == 303  # type: ignore[attr-defined]
    assert "+447700900123" in browser.get("/admin/forces").text
    unknown = post(browser, f"/admin/forces/{other}/accounts", csrf, channel="pager", account="1")
    assert unknown.status_code == 400 and "no channel" in unknown.text  # type: ignore[attr-defined]
    with force.session_factory.begin() as session:
        session.add(ChannelAccount(force_id=1, channel="x", account="demo_police"))
    owned = post(browser, f"/admin/forces/{other}/accounts", csrf, channel="x", account="demo_police")
    assert owned.status_code == 400 and "belongs to force" in owned.text  # type: ignore[attr-defined]
    removed = post(browser, f"/admin/forces/{other}/accounts/remove", csrf, channel="sms", account="+447700900123")
    assert removed.status_code == 303  # type: ignore[attr-defined]
    again = post(browser, f"/admin/forces/{other}/accounts/remove", csrf, channel="sms", account="+447700900123")
    assert again.status_code == 400 and "has no sms account" in again.text  # type: ignore[attr-defined]
    with force.read_session_factory() as session:
        assert channel_accounts_of(session, other) == []
    assert [(e.reason, e.data) for e in events(force, "force")] == [
        ("channel account added", {"channel": "sms", "account": "+447700900123"}),
        ("channel account removed", {"channel": "sms", "account": "+447700900123"})]


def test_handlers_and_supervisors_do_not_manage_forces(force: Beacon, browser: TestClient) -> None:
    csrf = sign_in(browser, "sue")
    assert browser.get("/admin/forces").status_code == 403
    demo = ids(force, Force, slug="demo")
    assert post(browser, f"/admin/forces/{demo}/accounts", csrf, channel="sms", account="+44").status_code == 403  # type: ignore[attr-defined]
    assert events(force, "force") == []


def test_the_force_commands_are_audited_as_the_command_line(beacon: Beacon) -> None:
    _register()
    env = {"BEACON_DATABASE_URL": beacon.settings.database_url, "BEACON_VAR_DIR": str(beacon.settings.var_dir)}
    assert runner.invoke(app, ["force", "add", "gwent", "--prefix", "GW"], env=env).exit_code == 0
    assert runner.invoke(app, ["force", "account-add", "gwent", "sms", "+447700900321"], env=env).exit_code == 0
    taken = runner.invoke(app, ["force", "add", "dyfed", "--prefix", "GW"], env=env)
    assert taken.exit_code == 2 and "already force 'gwent'" in taken.output
    assert [(e.action, e.reason, e.actor_name) for e in events(beacon, "force")] == [
        ("created", "force added", "command line"), ("changed", "channel account added", "command line")]
