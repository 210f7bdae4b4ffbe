"""Sign-in and sign-out pages. Thin: the rules (locks, rate limits, sessions) live in staff/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from beacon.audit.log import Action
from beacon.cases.audit_events import record, user_actor
from beacon.staff.sign_in import Refusal, attempt_sign_in
from beacon.web.deps import BeaconDep, Csrf, WriteSession
from beacon.web.pages import actor_of, render
from beacon.web.second_factor import next_step
from beacon.web.security import sign_in, sign_out, viewer_from_session
from beacon.web.sign_in_rules import MESSAGES, STATUS, client_address, safe_next, throttle_rules

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    session: WriteSession,
    beacon: BeaconDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    now = beacon.clock.now()
    attempt = attempt_sign_in(session, username, password, client_address(request), now,
                              throttle_rules(beacon.settings))
    if attempt.user is None:
        refusal = attempt.refusal or Refusal.WRONG
        response = render(request, "login.html", next=safe_next(next), error=MESSAGES[refusal])
        response.status_code = STATUS[refusal]
        return response
    user = attempt.user
    step = next_step(request, session, beacon, user, safe_next(next))
    if step is not None:  # the password was right; a code comes next
        return RedirectResponse(step, status_code=303)
    sign_in(request, session, user, now)
    record(session, user_actor(user.id, user.display_name), Action.SIGNED_IN, "user", user.id,
           user.force_id, now, "signed in")
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, session: WriteSession, beacon: BeaconDep) -> Response:
    viewer = viewer_from_session(request, beacon)
    if viewer is not None:
        record(session, actor_of(viewer), Action.SIGNED_OUT, "user", viewer.id, viewer.force_id,
               beacon.clock.now(), "signed out")
    sign_out(request, session, beacon.clock.now())
    return RedirectResponse("/login", status_code=303)
