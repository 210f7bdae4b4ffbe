"""What the sign-in pages share: the throttle's settings, the client's address, the words a
refusal is shown in, and where a sign-in may send the browser next."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from beacon.config import Settings
from beacon.staff.sign_in import Refusal
from beacon.staff.throttle import ThrottleRules

# The same words whether the name is unknown, the password wrong or the account locked: the
# page must not tell a guesser which names are real.
MESSAGES = {
    Refusal.WRONG: "Wrong username or password.",
    Refusal.TRY_LATER: "Too many failed sign-ins. Wait a few minutes, then try again.",
}
STATUS = {Refusal.WRONG: 400, Refusal.TRY_LATER: 429}


def throttle_rules(settings: Settings) -> ThrottleRules:
    return ThrottleRules(
        account_failures=settings.sign_in_max_failures,
        address_failures=settings.sign_in_address_max_failures,
        window=timedelta(minutes=settings.sign_in_failure_window_minutes),
        lock=timedelta(minutes=settings.sign_in_lock_minutes),
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def safe_next(target: str) -> str:
    """Only local paths: a sign-in link must not bounce the user to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
