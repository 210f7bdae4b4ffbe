"""`beacon team add|list|restrict|unrestrict|member-add|member-remove|figures` and `beacon case
reassign|team`: teams as a boundary, and handing cases on, from the command line.

Thin: who may see a restricted team's cases is beacon.cases.access, who may hand a case on is
beacon.cases.roles (the same rule as the pages and the API). `--as` names who does it, for the
audit log; their force scopes every name and reference.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Actor
from beacon.bootstrap import bootstrap_store
from beacon.cases.access import access_of
from beacon.cases.assignment import AssignmentError, move_to_team_as, reassign_as
from beacon.cases.roles import CaseForbidden
from beacon.cases.teams import (
    TeamError, add_member, add_team, remove_member, set_figures_hide_restricted, set_restricted, team_named,
    teams_of_force,
)
from beacon.cli import app
from beacon.cli.core import fail
from beacon.clock import SystemClock
from beacon.config import Settings
from beacon.store.tables import Case, User

team_app = typer.Typer(help="Teams (queues), restricted teams and their members.", no_args_is_help=True)
case_app = typer.Typer(help="Cases: hand one on to a colleague or another team; link, parent, merge.",
                        no_args_is_help=True)
app.add_typer(team_app, name="team")
app.add_typer(case_app, name="case")
out = Console(soft_wrap=True)
As = Annotated[str, typer.Option("--as", help="username of who does it (audited)")]
AsAdmin = Annotated[str, typer.Option("--as", help="username of the admin doing it (audited)")]
Reason = Annotated[str, typer.Option(help="why (the next person reads it; audited)")]


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise fail(f"no active user {username!r}")
    return user


def _admin(session: Session, username: str) -> tuple[Actor, int]:
    """Who sees which team's cases is an admin's to change, like API tokens."""
    user = _user(session, username)
    if user.role != "admin":
        raise fail(f"{username} is a {user.role}: teams are managed by admins")
    return Actor("user", user.id, user.display_name), user.force_id


def _team_change(username: str, name: str, change: str, member: str | None = None, flag: bool = False) -> None:
    """`flag`: restricted, for `add`; hide, for `figures`."""
    try:
        with bootstrap_store(Settings()).session_factory.begin() as session:
            actor, force_id = _admin(session, username)
            now = SystemClock().now()
            if change == "add":
                add_team(session, force_id, name, flag, actor, now)
                return
            if change == "figures":
                set_figures_hide_restricted(session, force_id, flag, actor, now)
                return
            team = team_named(session, force_id, name)
            if change in ("restrict", "unrestrict"):
                set_restricted(session, team, change == "restrict", actor, now)
            elif change == "member-add":
                add_member(session, team, str(member), actor, now)
            else:
                remove_member(session, team, str(member), actor, now)
    except TeamError as error:
        raise fail(str(error)) from None


@team_app.command("add")
def team_add(
    name: str, username: AsAdmin,
    restricted: Annotated[bool, typer.Option(help="visible only to its members and supervisors")] = False,
) -> None:
    """Add a team (a queue) to the admin's force."""
    _team_change(username, name, "add", flag=restricted)
    out.print(f"team {name} added" + (" (restricted)" if restricted else ""))


@team_app.command("list")
def team_list(username: As) -> None:
    """The force's teams, whether each is restricted, and its members."""
    table = Table("team", "restricted", "members")
    with bootstrap_store(Settings()).read_session_factory() as session:
        for row in teams_of_force(session, _user(session, username).force_id):
            table.add_row(row.team.name, "yes" if row.team.restricted else "no", ", ".join(row.members))
    out.print(table)


@team_app.command("restrict")
def team_restrict(name: str, username: AsAdmin) -> None:
    """Make a team a boundary: its cases are seen only by its members, supervisors and admins."""
    _team_change(username, name, "restrict")
    out.print(f"team {name} is restricted: its cases are seen by its members, supervisors and admins only")


@team_app.command("unrestrict")
def team_unrestrict(name: str, username: AsAdmin) -> None:
    """Open a restricted team's cases to the whole force again."""
    _team_change(username, name, "unrestrict")
    out.print(f"team {name} is open to the force")


@team_app.command("member-add")
def team_member_add(name: str, member: str, username: AsAdmin) -> None:
    """Add MEMBER to team NAME (besides their home team)."""
    _team_change(username, name, "member-add", member)
    out.print(f"{member} is a member of {name}")


@team_app.command("member-remove")
def team_member_remove(name: str, member: str, username: AsAdmin) -> None:
    """Take MEMBER out of team NAME (a home team is changed with the user, not here)."""
    _team_change(username, name, "member-remove", member)
    out.print(f"{member} is no longer a member of {name}")


@team_app.command("figures")
def team_figures(
    username: AsAdmin,
    hide: Annotated[bool, typer.Option("--hide/--show", help="leave restricted teams' cases out of the "
                                       "figures of who may not see them, or count them for everyone")],
) -> None:
    """Whether the control room's counts, its CSV, the shift report and monitored needs count
    restricted teams' cases for those outside the team (supervisors and admins see all either way)."""
    _team_change(username, "", "figures", flag=hide)
    out.print("restricted teams' cases are left out of figures for who may not see them" if hide
              else "restricted teams' cases are counted in every figure")


def _hand_on(username: str, reference: str, to_user: str | None, to_team: str | None, reason: str) -> str:
    try:
        with bootstrap_store(Settings()).session_factory.begin() as session:
            user = _user(session, username)
            access = access_of(session, user)
            case = session.scalar(select(Case).where(Case.force_id == user.force_id,
                                                     Case.reference == reference.strip().upper()))
            if case is None or not access.sees_case(case):  # a hidden case is as unknown as none
                raise fail(f"not found: case {reference}")
            actor, now = Actor("user", user.id, user.display_name), SystemClock().now()
            if to_user is not None:
                reassign_as(session, access, case, _user(session, to_user).id, actor, reason, now)
                return f"case {case.reference} handed to {to_user}"
            team = team_named(session, user.force_id, str(to_team))
            move_to_team_as(session, access, case, team.id, actor, reason, now)
            return f"case {case.reference} moved to {team.name}"
    except (AssignmentError, TeamError) as error:
        raise fail(str(error)) from None
    except CaseForbidden as error:
        raise fail(f"not allowed: {error}") from None


@case_app.command("reassign")
def case_reassign(reference: str, to: Annotated[str, typer.Option("--to", help="username")],
                  username: As, reason: Reason) -> None:
    """Hand case REFERENCE to a colleague (a handler: within their own team)."""
    out.print(_hand_on(username, reference, to, None, reason))


@case_app.command("team")
def case_team(reference: str, team: str, username: As, reason: Reason) -> None:
    """Move case REFERENCE to TEAM's queue (a handler: not into a restricted team they are not in)."""
    out.print(_hand_on(username, reference, None, team, reason))
