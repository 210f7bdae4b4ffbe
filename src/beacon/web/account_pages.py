"""`/account`: a signed-in user changes their own password, sees and ends their own sessions,
and sees, sets up or replaces their second factor (web/account_second_factor.py).

Thin: the change goes through `change_own_password` (the current password, then `set_password`
with the password policy, every session ended and audited); this browser then gets a fresh
session, so only the others end. A wrong current password counts towards the lockout like a
wrong password at sign-in (someone at an unlocked screen must not be able to guess it freely).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.cases.access import Hidden
from beacon.bootstrap import Beacon
from beacon.staff.accounts import AccountError, WrongCurrentPassword, change_own_password
from beacon.staff.own_second_factor import own_factor
from beacon.staff.sign_in import Refusal, count_failed_sign_in, refuse_if_locked
from beacon.staff.user_admin import end_own_session, own_sessions
from beacon.store.tables import User
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import render
from beacon.web.security import SESSION_KEY, Viewer, session_rules, sign_in
from beacon.web.sign_in_rules import MESSAGES, client_address, throttle_rules

router = APIRouter(include_in_schema=False)
DONE = {"password": "Password changed. Your other sessions are ended.", "session": "Session ended.",
        "factor": "Scan the new key with your authenticator app, then type the code it shows to finish.",
        "factor-cancelled": "The new key is dropped; your second factor is as it was."}


def account_page(request: Request, viewer: Viewer, session: Session, beacon: Beacon, *, error: str = "",
                 done: str = "", status: int = 200) -> HTMLResponse:
    token = request.session.get(SESSION_KEY)
    sessions = own_sessions(session, viewer.id, beacon.clock.now(), session_rules(beacon.settings),
                            token if isinstance(token, str) else None)
    factor = own_factor(session, session.get_one(User, viewer.id), beacon.settings.totp_issuer)
    response = render(request, "account.html", viewer=viewer, sessions=sessions, factor=factor, error=error,
                      done=DONE.get(done, ""))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # a new key may be on it
    return response


def with_current_password(request: Request, viewer: Viewer, session: Session, beacon: Beacon,
                          change: Callable[[], Response]) -> Response:
    """Run a self-service change that checks the current password: refused while the account or
    address is locked, and a wrong password counts towards the lockout."""
    now, address = beacon.clock.now(), client_address(request)
    if refuse_if_locked(session, viewer.username, address, now) is not None:
        return account_page(request, viewer, session, beacon, error=MESSAGES[Refusal.TRY_LATER], status=429)
    try:
        return change()
    except WrongCurrentPassword as error:
        refusal = count_failed_sign_in(session, viewer.username, address, now, throttle_rules(beacon.settings),
                                       reason="wrong current password on the account page")
        status = 429 if refusal is Refusal.TRY_LATER else 400
        return account_page(request, viewer, session, beacon, error=f"Not changed: {error}.", status=status)
    except AccountError as error:
        return account_page(request, viewer, session, beacon, error=f"Not changed: {error}.", status=400)


@router.get("/account", response_class=HTMLResponse)
def show_account(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep,
                 done: str = "") -> HTMLResponse:
    return account_page(request, viewer, session, beacon, done=done)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Csrf])
def change_password(
    request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    current: Annotated[str, Form(max_length=200)], new: Annotated[str, Form(max_length=200)],
    again: Annotated[str, Form(max_length=200)],
) -> Response:
    def change() -> Response:
        if new != again:
            raise AccountError("the two new passwords differ")
        now = beacon.clock.now()
        user = change_own_password(session, viewer.id, current, new, now)
        sign_in(request, session, user, now)  # every session ended with the old password; this one goes on
        return RedirectResponse("/account?done=password", status_code=303)

    return with_current_password(request, viewer, session, beacon, change)


@router.post("/account/sessions/{session_id}/end", dependencies=[Csrf])
def end_session(session_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    user = session.get_one(User, viewer.id)
    if not end_own_session(session, user, session_id, beacon.clock.now()):  # not theirs, or ended: as none
        raise Hidden("staff_session", session_id, "not_yours")  # a 404, recorded: someone else's or none
    return RedirectResponse("/account?done=session", status_code=303)
