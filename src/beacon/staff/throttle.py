"""Brakes on guessing passwords: an account locks after a few failed sign-ins, and an address
that fails too often is refused for a while.

Counted in the database, so every web worker sees the same counts and a restart forgets
nothing. Time comes from the caller's clock (tests move a FakeClock past the lockout).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from beacon.store.tables_accounts import SignInThrottle


@dataclass(frozen=True)
class ThrottleRules:
    account_failures: int  # this many failures inside the window lock the account
    address_failures: int  # this many from one address inside the window refuse the address
    window: timedelta
    lock: timedelta  # how long a lock lasts


@dataclass(frozen=True)
class FailureOutcome:
    account_locked: bool  # this failure locked the account
    address_limited: bool  # this failure put the address over its limit


def account_key(username: str) -> str:
    return f"account:{username.strip().casefold()[:100]}"


def address_key(address: str) -> str:
    return f"address:{address[:100]}"


def locked_keys(session: Session, keys: list[str], now: datetime) -> list[str]:
    """Which of these keys are refused now (checked before the password is)."""
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys)))
    return [row.key for row in rows if row.locked_until is not None and row.locked_until > now]


def count_failure(session: Session, username: str | None, address: str, now: datetime,
                  rules: ThrottleRules) -> FailureOutcome:
    """Count a failure against the account and the address; against the address alone when no
    account was named (an OIDC answer that could not be trusted names no one)."""
    _forget_old(session, now, rules)
    account = username is not None and _count(session, account_key(username), now, rules, rules.account_failures)
    by_address = _count(session, address_key(address), now, rules, rules.address_failures)
    return FailureOutcome(account_locked=account, address_limited=by_address)


def clear_account(session: Session, username: str) -> None:
    """A successful sign-in starts the account's count again (the address keeps its own)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == account_key(username)))


def _count(session: Session, key: str, now: datetime, rules: ThrottleRules, limit: int) -> bool:
    """Add one failure to `key`; True when this one reaches the limit and locks it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Insert-or-nothing, then lock the row: two concurrent failures both count.
    session.execute(insert(SignInThrottle).values(key=key, failures=0, first_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    row = session.scalars(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()).one()
    if now - row.first_failure_at > rules.window or (row.locked_until is not None and row.locked_until <= now):
        row.failures, row.first_failure_at, row.locked_until = 0, now, None  # a new window
    row.failures += 1
    if row.failures >= limit and row.locked_until is None:
        row.locked_until = now + rules.lock
        return True
    return False


def _forget_old(session: Session, now: datetime, rules: ThrottleRules) -> None:
    """Counts whose window and lock have both passed mean nothing: drop them, so guessed names
    cannot grow the table."""
    session.execute(delete(SignInThrottle).where(
        SignInThrottle.first_failure_at < now - rules.window,
        or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
    ))
