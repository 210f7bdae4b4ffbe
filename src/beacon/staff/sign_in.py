"""One sign-in attempt: refused while the account or address is locked, else the password is
checked, and a failure is counted and audited. Says nothing about whether a name exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.staff.accounts import authenticate
from beacon.staff.throttle import (
    ThrottleRules,
    account_key,
    address_key,
    clear_account,
    count_failure,
    locked_keys,
)
from beacon.store.tables import User

SIGN_IN = Actor.system("sign-in")


class Refusal(StrEnum):
    WRONG = "wrong"  # wrong name or password
    TRY_LATER = "try_later"  # locked account or rate-limited address


@dataclass(frozen=True)
class Attempt:
    user: User | None
    refusal: Refusal | None


def attempt_sign_in(session: Session, username: str, password: str, address: str, now: datetime,
                    rules: ThrottleRules) -> Attempt:
    if refuse_if_locked(session, username, address, now) is not None:
        return Attempt(None, Refusal.TRY_LATER)
    user = authenticate(session, username, password)
    if user is not None:
        clear_account(session, username)
        return Attempt(user, None)
    return Attempt(None, count_failed_sign_in(session, username, address, now, rules))


def count_failed_sign_in(session: Session, username: str | None, address: str, now: datetime,
                         rules: ThrottleRules, reason: str = "wrong credentials") -> Refusal:
    """Count and audit one failure (a wrong password, a wrong second-factor code, an OIDC
    answer refused); `username` None counts it against the address alone."""
    outcome = count_failure(session, username, address, now, rules)
    data = {"address": address, "account_locked": outcome.account_locked,
            "address_limited": outcome.address_limited}
    _audit(session, Action.SIGN_IN_FAILED, _known(session, username), now, reason, data)
    return Refusal.TRY_LATER if outcome.account_locked or outcome.address_limited else Refusal.WRONG


def refuse_if_locked(session: Session, username: str | None, address: str, now: datetime) -> Refusal | None:
    """TRY_LATER (audited) while the account or the address is locked, else None."""
    keys = ([account_key(username)] if username is not None else []) + [address_key(address)]
    locked = locked_keys(session, keys, now)
    if not locked:
        return None
    _audit(session, Action.SIGN_IN_REFUSED, _known(session, username), now,
           "too many failed sign-ins", {"address": address, "locked": [k.split(":")[0] for k in locked]})
    return Refusal.TRY_LATER


def _known(session: Session, username: str | None) -> User | None:
    if username is None:
        return None
    return session.scalar(select(User).where(User.username == username))


def _audit(session: Session, action: Action, user: User | None, now: datetime, reason: str,
           data: dict[str, object]) -> None:
    """On the account's record when the name is real; else on no one (the name typed is not
    kept: people type passwords into the name box)."""
    append_event(session, actor=SIGN_IN, action=action, at=now, reason=reason, data=dict(data),
                 object_type="user" if user else "sign_in",
                 object_id=user.id if user else "unknown name",
                 force_id=user.force_id if user else None)
