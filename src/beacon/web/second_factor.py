"""The sign-in step after the password: a code from the user's authenticator app, or, for a
role that needs one and has none yet, enrolling one there and then.

Between the two steps the signed cookie holds only "this user's password was right at this
time"; it is not a session (no page opens with it) and it lapses after PENDING_FOR.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.audit.log import Action
from beacon.bootstrap import Beacon
from beacon.cases.audit_events import record, user_actor
from beacon.config import Settings
from beacon.staff.sign_in import Refusal, count_failed_sign_in
from beacon.staff.throttle import account_key, address_key, clear_account, locked_keys
from beacon.staff.totp import (
    confirm_enrolment,
    has_second_factor,
    pending_enrolment,
    start_enrolment,
    verify_second_factor,
)
from beacon.store.tables import User
from beacon.web.deps import BeaconDep, Csrf, WriteSession
from beacon.web.pages import render
from beacon.web.security import sign_in
from beacon.web.sign_in_rules import MESSAGES, client_address, throttle_rules

router = APIRouter(include_in_schema=False)
PENDING_FOR = timedelta(minutes=5)
WRONG_CODE = "That code is not right. Check the app's clock and try the newest code."


def second_factor_required(settings: Settings, user: User) -> bool:
    roles = {role.strip() for role in settings.totp_required_roles.split(",") if role.strip()}
    return user.role in roles


def next_step(request: Request, session: Session, beacon: Beacon, user: User, next_path: str) -> str | None:
    """After a right password: where the user goes to finish signing in, or None when the
    password is enough (no second factor enrolled and none required)."""
    if has_second_factor(session, user):
        step = "/login/code"
    elif second_factor_required(beacon.settings, user):
        step = "/login/enrol"
    else:
        return None
    request.session.clear()
    request.session.update(pending_user=user.id, pending_at=beacon.clock.now().isoformat(), next=next_path)
    return step


@router.get("/login/code")
def code_page(request: Request, session: WriteSession, beacon: BeaconDep) -> Response:
    if _pending_user(request, session, beacon) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "login_code.html", error=None)


@router.post("/login/code", dependencies=[Csrf])
def code_check(request: Request, session: WriteSession, beacon: BeaconDep,
               code: Annotated[str, Form(max_length=40)]) -> Response:
    user = _pending_user(request, session, beacon)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    now = beacon.clock.now()
    refused = _locked_out(request, session, user, now)
    if refused is None and verify_second_factor(session, user, code, now):
        return _finish(request, session, user, now, "signed in with a second factor")
    return _code_refused(request, session, beacon, user, refused, "login_code.html", {})


@router.get("/login/enrol")
def enrol_page(request: Request, session: WriteSession, beacon: BeaconDep) -> Response:
    user = _pending_user(request, session, beacon)
    if user is None or has_second_factor(session, user):
        return RedirectResponse("/login", status_code=303)
    return render(request, "login_enrol.html", error=None, **_enrolment_context(session, beacon, user))


@router.post("/login/enrol", dependencies=[Csrf])
def enrol_confirm(request: Request, session: WriteSession, beacon: BeaconDep,
                  code: Annotated[str, Form(max_length=40)]) -> Response:
    user = _pending_user(request, session, beacon)
    if user is None or has_second_factor(session, user):
        return RedirectResponse("/login", status_code=303)
    now = beacon.clock.now()
    refused = _locked_out(request, session, user, now)
    codes = None if refused else confirm_enrolment(session, user, code, now)
    if codes is None:
        return _code_refused(request, session, beacon, user, refused, "login_enrol.html",
                             _enrolment_context(session, beacon, user))
    next_path = str(request.session.get("next") or "/")
    _finish(request, session, user, now, "second factor enrolled; signed in")
    return render(request, "recovery_codes.html", codes=codes, next=next_path)


def _enrolment_context(session: Session, beacon: Beacon, user: User) -> dict[str, str]:
    issuer = beacon.settings.totp_issuer
    enrolment = pending_enrolment(session, user, issuer) or start_enrolment(session, user, issuer, beacon.clock.now())
    return {"secret": enrolment.secret, "qr_svg": enrolment.qr_svg()}


def _pending_user(request: Request, session: Session, beacon: Beacon) -> User | None:
    user_id, at = request.session.get("pending_user"), request.session.get("pending_at")
    if not isinstance(user_id, int) or not isinstance(at, str):
        return None
    if beacon.clock.now() - datetime.fromisoformat(at) > PENDING_FOR:
        request.session.clear()
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def _locked_out(request: Request, session: Session, user: User, now: datetime) -> Refusal | None:
    keys = [account_key(user.username), address_key(client_address(request))]
    return Refusal.TRY_LATER if locked_keys(session, keys, now) else None


def _code_refused(request: Request, session: Session, beacon: Beacon, user: User, refused: Refusal | None,
                  template: str, context: dict[str, str]) -> HTMLResponse:
    """A wrong code counts as a failed sign-in, towards the same lock as a wrong password."""
    if refused is None:
        refused = count_failed_sign_in(session, user.username, client_address(request), beacon.clock.now(),
                                       throttle_rules(beacon.settings))
    if refused is Refusal.TRY_LATER:
        request.session.clear()
        response = render(request, "login.html", next="/", error=MESSAGES[refused])
        response.status_code = 429
        return response
    response = render(request, template, error=WRONG_CODE, **context)
    response.status_code = 400
    return response


def _finish(request: Request, session: Session, user: User, now: datetime, reason: str) -> Response:
    next_path = str(request.session.get("next") or "/")
    clear_account(session, user.username)
    sign_in(request, session, user, now)
    record(session, user_actor(user.id, user.display_name), Action.SIGNED_IN, "user", user.id,
           user.force_id, now, reason)
    return RedirectResponse(next_path, status_code=303)
