"""Create staff accounts and check their passwords (argon2id)."""

from __future__ import annotations

import secrets
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.store.forces import team_id
from beacon.store.tables import Force, User

_hasher = PasswordHasher()
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
    if len(password) < 10:
        raise AccountError("passwords must be at least 10 characters")
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


def set_password(session: Session, username: str, password: str) -> bool:
    """Replace a user's password; False when there is no such user."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return False
    user.password_hash = _hasher.hash(password)
    return True


def generate_password() -> str:
    return secrets.token_urlsafe(12)
