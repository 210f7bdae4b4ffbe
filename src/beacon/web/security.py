"""Who is asking: the signed-in user from their server-side session, CSRF tokens, the secret key.

The signed cookie carries the session's random token and the CSRF token; whether the session
is still live is decided by its row in the database (beacon.staff.sessions) on every request.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy.orm import Session

from beacon.cases.access import Access, access_of
from beacon.config import Settings
from beacon.staff.sessions import SessionRules, end_session, live_session, start_session, touch_session
from beacon.store.tables import User
from beacon.web.problems import Problem

if TYPE_CHECKING:
    from beacon.bootstrap import Beacon

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_KEY = "sid"  # the cookie's name for the server-side session's token


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as routes need them: enough to scope every query to their force."""

    id: int
    force_id: int
    username: str
    display_name: str
    role: str
    access: Access  # the force and the restricted teams this user may not see (issue 14)

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require_admin(viewer: Viewer, managed: str) -> None:
    """A 403 problem for a non-admin on an admin page: `managed` names what admins manage."""
    if not viewer.is_admin:
        raise Problem(403, "Not allowed", f"{managed} are managed by admins", "forbidden")


class SignInRequired(Exception):
    """Raised by page routes; answered with a redirect to the sign-in page."""


def load_or_create_secret(configured: str, var_dir: Path) -> str:
    """Use the configured secret; else one generated once and kept in var/ across restarts."""
    if configured:
        return configured
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Forms send the token as a field; htmx and API clients send it as a header."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise Problem(403, "Not allowed", "missing or wrong CSRF token", "csrf_failed")


def session_rules(settings: Settings) -> SessionRules:
    return SessionRules.of(settings.session_idle_minutes, settings.session_lifetime_hours)


def viewer_from_session(request: Request, beacon: Beacon) -> Viewer | None:
    """The user whose live server-side session the cookie names; None (and the cookie emptied)
    when there is none, or it was ended, idle too long or is too old."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    now = beacon.clock.now()
    with beacon.read_session_factory() as session:
        live = live_session(session, token, now, session_rules(beacon.settings))
        viewer = None if live is None else _viewer_of(session, live.user)
    if live is None:
        request.session.clear()
        return None
    if live.needs_touch:
        with beacon.session_factory.begin() as session:
            touch_session(session, live.id, now)
    return viewer


def _viewer_of(session: Session, user: User) -> Viewer:
    return Viewer(user.id, user.force_id, user.username, user.display_name, user.role, access_of(session, user))


def sign_in(request: Request, session: Session, user: User, now: datetime) -> None:
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session[SESSION_KEY] = start_session(session, user, now)
    csrf_token(request)


def sign_out(request: Request, session: Session, now: datetime) -> None:
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        end_session(session, token, now)
    request.session.clear()
