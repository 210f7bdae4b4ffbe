"""`/account`'s second factor: a signed-in user sets one up or replaces it (a new phone),
drops a replacement half done, and regenerates their recovery codes.

Thin over beacon.staff.own_second_factor (the current password first, the new key only once a
code from it is typed, every step audited). The new key is shown on `/account` until it is
confirmed; the recovery codes once, on the page that answers the form (`no-store`). A confirmed
new factor ends every session, so this browser is signed in again, as after a password change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from beacon.staff.own_second_factor import (
    WrongCode,
    cancel_own_factor,
    confirm_own_factor,
    regenerate_own_codes,
    start_own_factor,
)
from beacon.store.tables import User
from beacon.web.account_pages import account_page, with_current_password
from beacon.web.deps import BeaconDep, Csrf, PageViewer, WriteSession
from beacon.web.pages import render
from beacon.web.security import sign_in

router = APIRouter(include_in_schema=False)


def _codes_page(request: Request, codes: list[str]) -> HTMLResponse:
    response = render(request, "recovery_codes.html", codes=codes, next="/account")
    response.headers["Cache-Control"] = "no-store"  # the one page that shows them
    return response


@router.post("/account/second-factor", dependencies=[Csrf])
def start(request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
          current: Annotated[str, Form(max_length=200)]) -> Response:
    def change() -> Response:
        start_own_factor(session, viewer.id, current, beacon.settings.totp_issuer, beacon.clock.now())
        return RedirectResponse("/account?done=factor#second-factor", status_code=303)

    return with_current_password(request, viewer, session, beacon, change)


@router.post("/account/second-factor/confirm", response_class=HTMLResponse, dependencies=[Csrf])
def confirm(request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
            code: Annotated[str, Form(max_length=20)]) -> Response:
    now = beacon.clock.now()
    try:
        codes = confirm_own_factor(session, viewer.id, code, now)
    except WrongCode as error:
        return account_page(request, viewer, session, beacon, error=f"Not changed: {error}.", status=400)
    sign_in(request, session, session.get_one(User, viewer.id), now)  # every session ended; this one goes on
    return _codes_page(request, codes)


@router.post("/account/second-factor/cancel", dependencies=[Csrf])
def cancel(viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    cancel_own_factor(session, viewer.id, beacon.clock.now())
    return RedirectResponse("/account?done=factor-cancelled", status_code=303)


@router.post("/account/recovery-codes", response_class=HTMLResponse, dependencies=[Csrf])
def new_codes(request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
              current: Annotated[str, Form(max_length=200)]) -> Response:
    return with_current_password(request, viewer, session, beacon, lambda: _codes_page(
        request, regenerate_own_codes(session, viewer.id, current, beacon.clock.now())))
