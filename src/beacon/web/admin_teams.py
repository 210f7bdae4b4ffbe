"""`/admin/teams`: an admin sees their force's teams and changes what `beacon team ...` and
`beacon user team` change: add a team, restrict it or open it, add and remove members, set a
user's home team, and whether the force's figures count restricted teams' cases for everyone.

Thin: each form calls beacon.cases.teams, which audits and hands back any case its holder may no
longer see. Admins only (require_admin); a team or user of another force, or a restricted team
the asker is not in, is a recorded 404 first, whoever asks. A refused change shows the page
again with the reason (400).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from beacon.cases.access import team_for, user_for
from beacon.cases.teams import (
    TeamError,
    add_member,
    add_team,
    remove_member,
    set_figures_hide_restricted,
    set_home_team,
    set_restricted,
    teams_of_force,
)
from beacon.staff.user_admin import list_users
from beacon.store.tables import Force
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, form_change, render
from beacon.web.security import Viewer, require_admin, session_rules

router = APIRouter(include_in_schema=False)
MANAGED = "teams"


def _page(request: Request, viewer: Viewer, session: Session, beacon: BeaconDep, *, error: str = "",
          status: int = 200) -> HTMLResponse:
    users = list_users(session, viewer.force_id, beacon.clock.now(), session_rules(beacon.settings))
    force = session.get_one(Force, viewer.force_id)
    response = render(request, "admin_teams.html", viewer=viewer, teams=teams_of_force(session, viewer.force_id),
                      users=users, hide_in_figures=force.hide_restricted_in_figures, error=error)
    response.status_code = status
    return response


def _change(request: Request, viewer: Viewer, session: Session, beacon: BeaconDep,
            change: Callable[[], object]) -> Response:
    require_admin(viewer, MANAGED)
    return form_change(change, TeamError, partial(_page, request, viewer, session, beacon), "/admin/teams")


@router.get("/admin/teams", response_class=HTMLResponse)
def teams_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    require_admin(viewer, MANAGED)
    return _page(request, viewer, session, beacon)


@router.post("/admin/teams", dependencies=[Csrf])
def create_team(request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                name: Annotated[str, Form(max_length=200)] = "",
                restricted: Annotated[bool, Form()] = False) -> Response:
    return _change(request, viewer, session, beacon, lambda: add_team(
        session, viewer.force_id, name, restricted, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/teams/figures", dependencies=[Csrf])
def figures_rule(request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                 hide: Annotated[bool, Form()]) -> Response:
    return _change(request, viewer, session, beacon, lambda: set_figures_hide_restricted(
        session, viewer.force_id, hide, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/teams/{team_id}/restricted", dependencies=[Csrf])
def restrict(request: Request, team_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
             restricted: Annotated[bool, Form()]) -> Response:
    team = team_for(session, viewer.access, team_id)
    return _change(request, viewer, session, beacon, lambda: set_restricted(
        session, team, restricted, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/teams/{team_id}/members", dependencies=[Csrf])
def member_add(request: Request, team_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
               user_id: Annotated[int, Form()]) -> Response:
    team = team_for(session, viewer.access, team_id)
    require_admin(viewer, MANAGED)
    member = user_for(session, viewer.access, user_id)
    return _change(request, viewer, session, beacon, lambda: add_member(
        session, team, member.username, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/teams/{team_id}/members/{user_id}/remove", dependencies=[Csrf])
def member_remove(request: Request, team_id: int, user_id: int, viewer: PageViewer, session: WriteSession,
                  beacon: BeaconDep) -> Response:
    team = team_for(session, viewer.access, team_id)
    require_admin(viewer, MANAGED)
    member = user_for(session, viewer.access, user_id)
    return _change(request, viewer, session, beacon, lambda: remove_member(
        session, team, member.username, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/users/{user_id}/team", dependencies=[Csrf])
def home_team(request: Request, user_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
              team_id: Annotated[str, Form(max_length=20)] = "") -> Response:
    """`team_id` empty: no home team."""
    member = user_for(session, viewer.access, user_id)
    require_admin(viewer, MANAGED)
    if team_id.strip() and not team_id.strip().isdigit():
        return _page(request, viewer, session, beacon, error=f"no team {team_id!r}", status=400)
    team = team_for(session, viewer.access, int(team_id)) if team_id.strip() else None
    return _change(request, viewer, session, beacon, lambda: set_home_team(
        session, viewer.force_id, member.username, team.name if team else None, actor_of(viewer),
        beacon.clock.now()))
