"""Integrations' API tokens on HTTP: `Authorization: Bearer bkn_…`, checked per request.

Thin: `beacon.staff.api_tokens` decides; this turns a refusal into 401/403 problem+json, writes
the audit event for a refusal of one of Beacon's tokens and logs the rest. Checked against the
database on every request, so a revoked token is refused from the next request on.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from beacon.bootstrap import Beacon
from beacon.staff.api_tokens import Grant, Permission, Refusal, check_token, record_refusal
from beacon.web.problems import Problem

log = logging.getLogger("beacon.api_tokens")
# auto_error off: the answer to a missing token is Beacon's own problem+json, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="An API token: `beacon token add` or /admin/tokens")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def presented_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def grant_for(request: Request, permission: Permission) -> Grant:
    """The request's token grant for `permission`, or the refusal raised as a Problem."""
    beacon: Beacon = request.app.state.beacon
    with beacon.read_session_factory() as session:
        checked = check_token(session, presented_token(request), permission)
    if isinstance(checked, Refusal):
        raise refused(request, checked)
    return checked


def refused(request: Request, refusal: Refusal) -> Problem:
    """Record the refusal (audit for Beacon's tokens, a log line always); the Problem to raise."""
    beacon: Beacon = request.app.state.beacon
    address, what = client_address(request), f"{request.method} {request.url.path}"
    log.warning("API token refused", extra={"code": refusal.code, "token_id": refusal.token_id,
                                            "address": address, "path": request.url.path})
    if refusal.token_id is not None:
        with beacon.session_factory.begin() as session:
            record_refusal(session, refusal, what=what, address=address, now=beacon.clock.now())
    title = "API token required" if refusal.status == 401 else "Not allowed"
    headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
    return Problem(refusal.status, title, refusal.detail, refusal.code, headers=headers)


def intake_grant(request: Request, _credentials: Credentials) -> Grant:
    return grant_for(request, Permission.INTAKE)


def metrics_grant(request: Request, _credentials: Credentials) -> Grant:
    return grant_for(request, Permission.METRICS)


IntakeGrant = Annotated[Grant, Depends(intake_grant)]
MetricsGrant = Annotated[Grant, Depends(metrics_grant)]
