"""`/admin/forces`: forces with their case prefixes, a new force, and the admin's own force's
channel accounts; what `beacon force ...` changes, through the same functions
(beacon.force_admin: checked and audited).

Admins only (require_admin). Creating a force is for the admins of the installation's own force
(BEACON_DEFAULT_FORCE), who see every force listed; another force's admins see their own. Every
admin adds and removes their own force's channel accounts; another force's are a recorded 404,
whoever asks (the operator's command line manages any force's). A refused change shows the page
again with the reason (400).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from beacon.cases.access import force_for
from beacon.force_admin import add_account, add_force, forces_for, manages_forces, remove_account
from beacon.messages import Channel
from beacon.store.forces import ForceError, channel_accounts_of
from beacon.store.tables import Force
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, form_change, render
from beacon.web.problems import Problem
from beacon.web.security import Viewer, require_admin

router = APIRouter(include_in_schema=False)
MANAGED = "forces"


def _page(request: Request, viewer: Viewer, session: Session, beacon: BeaconDep, *, error: str = "",
          status: int = 200) -> HTMLResponse:
    own = session.get_one(Force, viewer.force_id)
    response = render(request, "admin_forces.html", viewer=viewer, own=own,
                      forces=forces_for(session, own, beacon.settings.default_force),
                      accounts=channel_accounts_of(session, own.id), channels=list(Channel),
                      may_create=manages_forces(own, beacon.settings.default_force), error=error)
    response.status_code = status
    return response


def _change(request: Request, viewer: Viewer, session: Session, beacon: BeaconDep,
            change: Callable[[], object]) -> Response:
    require_admin(viewer, MANAGED)
    return form_change(change, ForceError, partial(_page, request, viewer, session, beacon), "/admin/forces")


@router.get("/admin/forces", response_class=HTMLResponse)
def forces_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    require_admin(viewer, MANAGED)
    return _page(request, viewer, session, beacon)


@router.post("/admin/forces", dependencies=[Csrf])
def create(request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
           slug: Annotated[str, Form(max_length=64)] = "", prefix: Annotated[str, Form(max_length=8)] = "",
           name: Annotated[str, Form(max_length=200)] = "") -> Response:
    require_admin(viewer, MANAGED)
    if not manages_forces(session.get_one(Force, viewer.force_id), beacon.settings.default_force):
        raise Problem(403, "Not allowed", "forces are created by the admins of the installation's own force",
                      "forbidden")
    return _change(request, viewer, session, beacon, lambda: add_force(
        session, slug, name, prefix, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/forces/{force_id}/accounts", dependencies=[Csrf])
def account_add(request: Request, force_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                channel: Annotated[str, Form(max_length=20)], account: Annotated[str, Form(max_length=300)]
                ) -> Response:
    force = force_for(session, viewer.access, force_id)  # another force's: a recorded 404
    return _change(request, viewer, session, beacon, lambda: add_account(
        session, force, channel, account, actor_of(viewer), beacon.clock.now()))


@router.post("/admin/forces/{force_id}/accounts/remove", dependencies=[Csrf])
def account_remove(request: Request, force_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                   channel: Annotated[str, Form(max_length=20)], account: Annotated[str, Form(max_length=300)]
                   ) -> Response:
    force = force_for(session, viewer.access, force_id)
    return _change(request, viewer, session, beacon, lambda: remove_account(
        session, force, channel, account, actor_of(viewer), beacon.clock.now()))
