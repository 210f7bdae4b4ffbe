"""Who is asking: the signed-in user from the session cookie, CSRF tokens, the secret key."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from sqlalchemy.orm import Session

from beacon.store.tables import User
from beacon.web.problems import Problem

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as routes need them: enough to scope every query to their force."""

    id: int
    force_id: int
    username: str
    display_name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


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


def viewer_from_session(request: Request, session: Session) -> Viewer | None:
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        request.session.clear()
        return None
    return Viewer(user.id, user.force_id, user.username, user.display_name, user.role)


def sign_in(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session["user_id"] = user.id
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()
