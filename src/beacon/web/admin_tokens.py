"""`/admin/tokens`: an admin issues and revokes their force's API tokens for integrations.

Admins only (a token can post messages into the force as any author, or read the metrics).
A new token is shown once, on the page that answers the form, and never stored; the list shows
names, scopes and who issued or revoked what. Issuing and revoking are audited by
`beacon.staff.api_tokens`; the list holds no citizen data and records nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.cases.access import in_force
from beacon.cases.audit_events import user_actor
from beacon.staff.api_tokens import (
    Permission,
    TokenError,
    TokenNotFound,
    account_key,
    issue_token,
    list_tokens,
    revoke_token,
)
from beacon.store.forces import channel_accounts_of
from beacon.store.tables_access import ApiToken
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import render
from beacon.web.problems import Problem
from beacon.web.security import Viewer, require_admin

router = APIRouter(include_in_schema=False)


def _page(request: Request, viewer: Viewer, session: Session, *, issued: str = "", error: str = "",
          status: int = 200) -> HTMLResponse:
    accounts = [account_key(a.channel, a.account) for a in channel_accounts_of(session, viewer.force_id)]
    response = render(request, "admin_tokens.html", viewer=viewer, tokens=list_tokens(session, viewer.force_id),
                      accounts=accounts, permissions=list(Permission), issued=issued, error=error)
    response.status_code = status
    return response


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, viewer: PageViewer, session: ReadSession) -> HTMLResponse:
    require_admin(viewer, "API tokens")
    return _page(request, viewer, session)


@router.post("/admin/tokens", response_class=HTMLResponse, dependencies=[Csrf])
def issue(
    request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    name: Annotated[str, Form(max_length=200)] = "",
    permission: Annotated[list[str] | None, Form()] = None,
    account: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    require_admin(viewer, "API tokens")
    try:
        wanted = [Permission(p) for p in permission or []]
        issued = issue_token(session, force_id=viewer.force_id, name=name, permissions=wanted,
                             channel_accounts=account or [], actor=user_actor(viewer.id, viewer.display_name),
                             now=beacon.clock.now())
    except (TokenError, ValueError) as error:
        return _page(request, viewer, session, error=str(error), status=400)
    response = _page(request, viewer, session, issued=issued.token)
    response.headers["Cache-Control"] = "no-store"  # the one page that shows the secret
    return response


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke(
    token_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    in_force(session.get(ApiToken, token_id), viewer.access, "api_token", token_id)  # 404, whoever asks
    require_admin(viewer, "API tokens")
    try:
        revoke_token(session, token_id, force_id=viewer.force_id, actor=user_actor(viewer.id, viewer.display_name),
                     now=beacon.clock.now(), reason=reason)
    except TokenNotFound as error:
        raise Problem(404, "Not found", str(error), "not_found") from None
    except TokenError as error:
        raise Problem(409, "Cannot revoke", str(error), "token_not_revocable") from None
    return RedirectResponse("/admin/tokens", status_code=303)
