"""`/admin/users`: an admin sees their force's staff and changes what `beacon user ...` changes.

Thin: each form calls the function the command calls (beacon.staff.accounts), which ends the
user's sessions and writes the audit event. Admins only; another force's user is a 404 first,
whoever asks. An admin cannot demote or deactivate themselves here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from beacon.cases.access import user_for
from beacon.staff.accounts import (
    AccountError,
    Role,
    check_not_own_account,
    reset_second_factor,
    revoke_sessions,
    set_active,
    set_role,
)
from beacon.staff.user_admin import list_users
from beacon.store.tables import User
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, form_change, render
from beacon.web.security import Viewer, require_admin, session_rules

router = APIRouter(include_in_schema=False)


def _page(request: Request, viewer: Viewer, session: Session, beacon: BeaconDep, *, error: str = "",
          status: int = 200) -> HTMLResponse:
    users = list_users(session, viewer.force_id, beacon.clock.now(), session_rules(beacon.settings))
    response = render(request, "admin_users.html", viewer=viewer, users=users, roles=list(Role), error=error)
    response.status_code = status
    return response


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    require_admin(viewer, "users")
    return _page(request, viewer, session, beacon)


def _change(request: Request, viewer: Viewer, session: Session, beacon: BeaconDep, user_id: int,
            change: Callable[[User], object]) -> Response:
    """404 for another force's user (recorded, as every hidden record), 403 for a non-admin, then the change (a refused one shows
    the page again with the reason)."""
    user = user_for(session, viewer.access, user_id)  # a recorded 404
    require_admin(viewer, "users")
    return form_change(partial(change, user), AccountError, partial(_page, request, viewer, session, beacon),
                       "/admin/users")


@router.post("/admin/users/{user_id}/role", dependencies=[Csrf])
def change_role(request: Request, user_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                role: Annotated[str, Form(max_length=20)]) -> Response:
    def change(user: User) -> None:
        if role not in {r.value for r in Role}:
            raise AccountError(f"no role {role!r}")
        check_not_own_account(viewer.id, user, "change the role of")
        set_role(session, user.username, Role(role), beacon.clock.now(), actor=actor_of(viewer))

    return _change(request, viewer, session, beacon, user_id, change)


@router.post("/admin/users/{user_id}/active", dependencies=[Csrf])
def change_active(request: Request, user_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                  active: Annotated[bool, Form()]) -> Response:
    def change(user: User) -> None:
        if not active:
            check_not_own_account(viewer.id, user, "deactivate")
        set_active(session, user.username, active, beacon.clock.now(), actor=actor_of(viewer))

    return _change(request, viewer, session, beacon, user_id, change)


@router.post("/admin/users/{user_id}/revoke-sessions", dependencies=[Csrf])
def end_sessions(request: Request, user_id: int, viewer: PageViewer, session: WriteSession,
                 beacon: BeaconDep) -> Response:
    return _change(request, viewer, session, beacon, user_id, lambda user: revoke_sessions(
        session, user.username, beacon.clock.now(), actor=actor_of(viewer)))


@router.post("/admin/users/{user_id}/reset-second-factor", dependencies=[Csrf])
def reset_factor(request: Request, user_id: int, viewer: PageViewer, session: WriteSession,
                 beacon: BeaconDep) -> Response:
    return _change(request, viewer, session, beacon, user_id, lambda user: reset_second_factor(
        session, user.username, beacon.clock.now(), actor=actor_of(viewer)))
