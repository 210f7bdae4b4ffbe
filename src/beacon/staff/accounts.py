"""Create staff accounts and check their passwords (argon2id)."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.staff.password_policy import WeakPassword, check_password
from beacon.staff.sessions import end_user_sessions
from beacon.staff.totp import Enrolment, enrol_confirmed, has_second_factor, remove_second_factor
from beacon.store.forces import team_id
from beacon.store.tables import Force, User

_hasher = PasswordHasher()
COMMAND_LINE = Actor.system("command line")
# Verifying against this when the username is unknown keeps both paths equally slow.
_DUMMY_HASH = _hasher.hash("not a real password")


class Role(StrEnum):
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class AccountError(ValueError):
    """A user cannot be created as asked (unknown force, name taken, weak password)."""


def create_user(
    session: Session,
    *,
    force_slug: str,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    team: str | None = None,
) -> User:
    force = session.scalar(select(Force).where(Force.slug == force_slug))
    if force is None:
        raise AccountError(f"no force {force_slug!r}; forces are created by `beacon migrate`")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username {username!r} is taken")
    _check_strength(password, username)
    user = User(
        force_id=force.id,
        team_id=team_id(session, force.id, team) if team else None,
        username=username,
        display_name=display_name or username,
        role=role.value,
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def set_password(session: Session, username: str, password: str, now: datetime,
                 actor: Actor = COMMAND_LINE) -> bool:
    """Replace a user's password and end their sessions (a stolen cookie dies with the old
    password); False when there is no such user."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return False
    _check_strength(password, username)
    user.password_hash = _hasher.hash(password)
    end_sessions_recorded(session, user, now, actor, "password changed")
    return True


def set_role(session: Session, username: str, role: Role, now: datetime, actor: Actor = COMMAND_LINE) -> User:
    """Change a user's role and end their sessions, so no page keeps powers the role lost."""
    user = _user_named(session, username)
    if user.role != role.value:
        before, user.role = user.role, role.value
        end_sessions_recorded(session, user, now, actor, "role changed", {"from": before, "to": role.value})
    return user


def revoke_sessions(session: Session, username: str, now: datetime, actor: Actor = COMMAND_LINE) -> int:
    """An administrator ends every session of a user at once; returns how many were open."""
    return end_sessions_recorded(session, _user_named(session, username), now, actor, "sessions revoked")


def set_active(session: Session, username: str, active: bool, now: datetime, actor: Actor = COMMAND_LINE) -> User:
    """Deactivate (every session ends; no sign-in of any kind works) or reactivate a user."""
    user = _user_named(session, username)
    if user.active != active:
        user.active = active
        end_sessions_recorded(session, user, now, actor, "reactivated" if active else "deactivated")
    return user


def set_email(session: Session, username: str, email: str | None, now: datetime,
              actor: Actor = COMMAND_LINE) -> User:
    """The user's work address, by which a first OIDC sign-in finds the account."""
    user = _user_named(session, username)
    address = email.strip().lower() if email else None
    if address is not None and ("@" not in address or len(address) > 320):
        raise AccountError(f"{email!r} is not an email address")
    if address and session.scalar(select(User.id).where(User.email == address, User.id != user.id)) is not None:
        raise AccountError(f"another user has the email {address}")
    if user.email != address:
        user.email = address
        append_event(session, actor=actor, action=Action.CHANGED, object_type="user", object_id=user.id,
                     at=now, force_id=user.force_id, reason="email set" if address else "email removed")
    return user


def enrol_user_totp(session: Session, username: str, issuer: str, now: datetime, replace: bool = False,
                    actor: Actor = COMMAND_LINE) -> tuple[Enrolment, list[str]]:
    """An administrator sets up a user's second factor; an existing one is kept unless
    `replace` (a lost phone). Their sessions end: the next sign-in asks for a code."""
    user = _user_named(session, username)
    if has_second_factor(session, user) and not replace:
        raise AccountError(f"{username} already has a second factor; --replace sets up a new one")
    enrolment, codes = enrol_confirmed(session, user, issuer, now)
    end_sessions_recorded(session, user, now, actor, "second factor set up")
    return enrolment, codes


def reset_second_factor(session: Session, username: str, now: datetime, actor: Actor = COMMAND_LINE) -> bool:
    """Remove a user's second factor (a lost phone, no recovery codes left) and end their
    sessions; a role that needs one enrols a new one at the next sign-in. False: there was none."""
    user = _user_named(session, username)
    removed = remove_second_factor(session, user)
    end_sessions_recorded(session, user, now, actor, "second factor reset")
    return removed


def check_not_own_account(actor_user_id: int, target: User, change: str) -> None:
    """An admin cannot demote or deactivate themselves from the page: the force could be left
    with no admin, and the person at the screen may not be the admin."""
    if actor_user_id == target.id:
        raise AccountError(f"you cannot {change} your own account; ask another admin")


class WrongCurrentPassword(AccountError):
    """A self-service change gave the wrong current password."""


def change_own_password(session: Session, user_id: int, current: str, new: str, now: datetime) -> User:
    """A signed-in user changes their own password: the current one is required (a borrowed
    screen is not enough), then as `set_password` (policy, every session ended)."""
    user = check_current_password(session, user_id, current)
    set_password(session, user.username, new, now, actor=Actor("user", user.id, user.display_name))
    return user


def check_current_password(session: Session, user_id: int, current: str) -> User:
    """The signed-in user, if `current` is their password: what a self-service change of their
    password or second factor asks first (someone at a borrowed screen does not know it)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise AccountError("no such user")
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise WrongCurrentPassword("the current password is not right") from None
    return user


def end_sessions_recorded(session: Session, user: User, now: datetime, actor: Actor, reason: str,
                          data: dict[str, Any] | None = None) -> int:
    """End every session of the user and record why (a `changed` event on the user)."""
    ended = end_user_sessions(session, user.id, now, reason)
    append_event(session, actor=actor, action=Action.CHANGED, object_type="user", object_id=user.id,
                 at=now, force_id=user.force_id, reason=reason, data={**(data or {}), "sessions_ended": ended})
    return ended


def _check_strength(password: str, username: str) -> None:
    try:
        check_password(password, username)
    except WeakPassword as weak:
        raise AccountError(str(weak)) from None


def _user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def generate_long_password() -> str:
    """For an account that signs in elsewhere (OIDC): never shown, never typed."""
    return secrets.token_urlsafe(32)
