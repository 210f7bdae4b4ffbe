"""Server-side sign-in sessions: started at sign-in, checked on every request, ended at once.

The browser holds a random token (inside the signed session cookie); the database holds its
SHA-256 with the user, when it started, when it was last used and whether it was revoked.
Every request looks the row up, so sign-out, a password or role change and an admin's revoke
end a session on its next request, on every web worker, with nothing cached.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from beacon.store.tables import User
from beacon.store.tables_accounts import StaffSession

# Writing last_seen_at on every request would make each page view a write; a minute's slack
# on a 30-minute idle timeout is not worth a write per poll of the inbox.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionRules:
    idle: timedelta  # unused this long: ended
    lifetime: timedelta  # this long after sign-in: ended, however busy

    @classmethod
    def of(cls, idle_minutes: float, lifetime_hours: float) -> SessionRules:
        return cls(idle=timedelta(minutes=idle_minutes), lifetime=timedelta(hours=lifetime_hours))


@dataclass(frozen=True)
class LiveSession:
    id: int
    user: User
    needs_touch: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, now: datetime) -> str:
    """A new session for `user`; returns the token the cookie carries (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def live_session(session: Session, token: str, now: datetime, rules: SessionRules) -> LiveSession | None:
    """The session's row and user if it may still be used: not revoked, not idle, not too old,
    and its user still active."""
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > rules.idle or now - row.created_at > rules.lifetime:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return LiveSession(row.id, user, now - row.last_seen_at >= TOUCH_EVERY)


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    session.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now))


def end_session(session: Session, token: str, now: datetime, reason: str = "signed out") -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == token_hash(token), StaffSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def end_user_sessions(session: Session, user_id: int, now: datetime, reason: str) -> int:
    """End every open session of a user; returns how many were open."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune_sessions(session: Session, now: datetime, rules: SessionRules) -> int:
    """Delete the rows no request can use any more (revoked, idle past the timeout, or past the
    lifetime, exactly as `live_session` decides); returns how many. A cookie naming one finds
    no row, which `live_session` answers as it answered the dead row. The audit log, not this
    table, is the record of who signed in and out."""
    result = session.execute(delete(StaffSession).where(or_(
        StaffSession.revoked_at.is_not(None),
        StaffSession.last_seen_at < now - rules.idle,
        StaffSession.created_at < now - rules.lifetime,
    )))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
