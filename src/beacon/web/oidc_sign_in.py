"""Sign-in with the force's OpenID Connect provider. Thin: the protocol is staff/oidc.py, who
may sign in is staff/oidc_sign_in.py; this page only carries the browser there and back.

Between the two, the signed cookie holds the request's state, nonce and PKCE verifier (nothing
else: no session starts until the answer has been checked). The end is the same as a password
sign-in: the second factor if the account has or needs one, then a server-side session.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from beacon.audit.log import Action
from beacon.bootstrap import Beacon
from beacon.cases.audit_events import record, user_actor
from beacon.staff.oidc import OidcClient, OidcError
from beacon.staff.oidc_sign_in import PendingOidc, complete_oidc_sign_in, oidc_rules
from beacon.staff.sign_in import Refusal, refuse_if_locked
from beacon.web.deps import BeaconDep, WriteSession
from beacon.web.pages import render
from beacon.web.problems import Problem
from beacon.web.second_factor import next_step
from beacon.web.security import sign_in
from beacon.web.sign_in_rules import MESSAGES, STATUS, client_address, safe_next, throttle_rules

router = APIRouter(include_in_schema=False)
PENDING_KEY = "oidc"
FAILED = "Signing in with {provider} did not work. Try again, or sign in with your password."


@router.get("/login/oidc")
def start(request: Request, session: WriteSession, beacon: BeaconDep, next: str = "/") -> Response:
    client = _client(beacon)
    now = beacon.clock.now()
    if refuse_if_locked(session, None, client_address(request), now) is not None:
        return _refused(request, beacon, Refusal.TRY_LATER)
    try:
        authorization = client.authorization_request(_redirect_uri(request, beacon))
    except OidcError:
        return _refused(request, beacon, Refusal.WRONG, status=503)
    request.session.clear()
    request.session[PENDING_KEY] = {"state": authorization.state, "nonce": authorization.nonce,
                                    "verifier": authorization.code_verifier, "at": now.isoformat(),
                                    "next": safe_next(next)}
    return RedirectResponse(authorization.url, status_code=303)


@router.get("/login/oidc/callback", name="oidc_callback")
def callback(request: Request, session: WriteSession, beacon: BeaconDep) -> Response:
    client = _client(beacon)
    raw = request.session.pop(PENDING_KEY, None)
    pending = _pending(raw)
    answer = {k: v[:2000] for k, v in request.query_params.items() if k in ("state", "code", "error")}
    now = beacon.clock.now()
    attempt = complete_oidc_sign_in(session, client, oidc_rules(beacon.settings), pending, answer,
                                    _redirect_uri(request, beacon), client_address(request), now,
                                    throttle_rules(beacon.settings))
    if attempt.user is None:
        return _refused(request, beacon, attempt.refusal or Refusal.WRONG)
    user, next_path = attempt.user, safe_next(str(raw.get("next", "/")) if isinstance(raw, dict) else "/")
    step = next_step(request, session, beacon, user, next_path)
    if step is not None:  # the provider vouched for the person; Beacon's own second factor comes next
        return RedirectResponse(step, status_code=303)
    sign_in(request, session, user, now)
    record(session, user_actor(user.id, user.display_name), Action.SIGNED_IN, "user", user.id,
           user.force_id, now, "signed in with OIDC")
    return RedirectResponse(next_path, status_code=303)


def _client(beacon: Beacon) -> OidcClient:
    if beacon.oidc is None:
        raise Problem(404, "Not found", "this Beacon has no OIDC provider", "not_found")
    return beacon.oidc


def _redirect_uri(request: Request, beacon: Beacon) -> str:
    base = beacon.settings.public_base_url.rstrip("/")
    return f"{base}/login/oidc/callback" if base else str(request.url_for("oidc_callback"))


def _pending(raw: object) -> PendingOidc | None:
    if not isinstance(raw, dict):
        return None
    try:
        return PendingOidc(str(raw["state"]), str(raw["nonce"]), str(raw["verifier"]),
                           datetime.fromisoformat(str(raw["at"])))
    except (KeyError, ValueError):
        return None


def _refused(request: Request, beacon: Beacon, refusal: Refusal, status: int | None = None) -> Response:
    words = MESSAGES[refusal] if refusal is Refusal.TRY_LATER else FAILED.format(
        provider=beacon.settings.oidc_provider_name)
    response = render(request, "login.html", next="/", error=words)
    response.status_code = status or STATUS[refusal]
    return response
