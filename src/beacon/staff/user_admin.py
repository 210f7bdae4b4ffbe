"""What the user pages read: a force's users with their second factor and open sessions, one
user's own sessions, and a user ending one of their own sessions.

The changes an admin makes (role, deactivation, revoking sessions, resetting a second factor)
are `beacon.staff.accounts`' functions, the ones `beacon user ...` calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.staff.sessions import SessionRules, token_hash
from beacon.store.tables import Team, User
from beacon.store.tables_accounts import StaffSession, StaffTotp


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    team: str | None
    email: str | None
    active: bool
    second_factor: bool
    open_sessions: int


@dataclass(frozen=True)
class SessionRow:
    id: int
    started_at: datetime
    last_seen_at: datetime
    current: bool  # the browser asking


def _open(now: datetime, rules: SessionRules):  # type: ignore[no-untyped-def]
    """The conditions of a session that still works (as `sessions.live_session` decides)."""
    return (StaffSession.revoked_at.is_(None), StaffSession.last_seen_at > now - rules.idle,
            StaffSession.created_at > now - rules.lifetime)


def list_users(session: Session, force_id: int, now: datetime, rules: SessionRules) -> list[UserRow]:
    counts: dict[int, int] = dict(session.execute(select(StaffSession.user_id, func.count()).where(*_open(now, rules))
                                  .group_by(StaffSession.user_id)).all())  # type: ignore[arg-type]
    enrolled = set(session.scalars(select(StaffTotp.user_id).where(StaffTotp.confirmed_at.is_not(None))))
    rows = session.execute(select(User, Team.name).outerjoin(Team, Team.id == User.team_id)
                           .where(User.force_id == force_id).order_by(User.username)).all()
    return [UserRow(u.id, u.username, u.display_name, u.role, team, u.email, u.active, u.id in enrolled,
                    counts.get(u.id, 0)) for u, team in rows]


def own_sessions(session: Session, user_id: int, now: datetime, rules: SessionRules,
                 current_token: str | None) -> list[SessionRow]:
    current = token_hash(current_token) if current_token else None
    rows = session.scalars(select(StaffSession).where(StaffSession.user_id == user_id, *_open(now, rules))
                           .order_by(StaffSession.created_at.desc()))
    return [SessionRow(r.id, r.created_at, r.last_seen_at, r.token_hash == current) for r in rows]


def end_own_session(session: Session, user: User, session_id: int, now: datetime) -> bool:
    """A user ends one of their own sessions (a browser left signed in elsewhere); audited.
    False when it is not theirs or already ended."""
    result = session.execute(update(StaffSession).where(
        StaffSession.id == session_id, StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None),
    ).values(revoked_at=now, revoked_reason="ended by the user"))
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    append_event(session, actor=Actor("user", user.id, user.display_name), action=Action.CHANGED,
                 object_type="user", object_id=user.id, at=now, force_id=user.force_id,
                 reason="session ended by the user", data={"session": session_id, "sessions_ended": 1})
    return True
