"""FastAPI dependencies shared by routes: the Beacon container, sessions and the viewer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.web.problems import Problem
from beacon.web.security import SignInRequired, Viewer, check_csrf, viewer_from_session


def get_beacon(request: Request) -> Beacon:
    return request.app.state.beacon  # type: ignore[no-any-return]


def read_session(request: Request) -> Iterator[Session]:
    with get_beacon(request).read_session_factory() as session:
        yield session


def write_session(request: Request) -> Iterator[Session]:
    with get_beacon(request).session_factory.begin() as session:
        yield session


def api_viewer(request: Request) -> Viewer:
    viewer = viewer_from_session(request, get_beacon(request))
    if viewer is None:
        raise Problem(401, "Sign-in required", "sign in first", "sign_in_required")
    request.state.viewer = viewer  # a refused record is audited with who asked (web/refusals.py)
    return viewer


def page_viewer(request: Request) -> Viewer:
    viewer = viewer_from_session(request, get_beacon(request))
    if viewer is None:
        raise SignInRequired()
    request.state.viewer = viewer
    return viewer


BeaconDep = Annotated[Beacon, Depends(get_beacon)]
ReadSession = Annotated[Session, Depends(read_session)]
# "function" scope: the transaction commits when the route returns, before the response is sent.
# FastAPI's default ("request") ends a yield dependency after the response has gone, so a
# browser following a form's 303 could read the page before the change was committed (and a
# failed commit would follow a success already sent).
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
PageViewer = Annotated[Viewer, Depends(page_viewer)]
Csrf = Depends(check_csrf)
