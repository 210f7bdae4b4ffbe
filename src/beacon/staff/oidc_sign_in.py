"""An OIDC sign-in, the policy half: which Beacon account a verified ID token names, whether it
may sign in, and what a failure counts for.

Matching. The provider's subject (`sub`) is the key: it is stable and never reassigned, while
an email address can be renamed or handed to a new starter. The first time, Beacon finds the
account by its stored email (`users.email`, set by an admin) when the provider says the email is
verified, and keeps the subject (`staff_oidc_links`); after that only the subject counts, so a
changed email at the provider moves nothing. With `oidc_create_users` an unknown person in an
allowed domain gets a handler's account, or the role the claim mapping gives; no supervisor or
admin is ever created unless the mapping says so.

Failures (a wrong state, a token that does not verify, an unknown or deactivated person) count
towards the same lockout and address limit as wrong passwords, and are audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.config import Settings
from beacon.staff.accounts import Role, create_user, generate_long_password, set_role
from beacon.staff.oidc import OidcClient, OidcError
from beacon.staff.sign_in import Attempt, Refusal, count_failed_sign_in, refuse_if_locked
from beacon.staff.throttle import ThrottleRules, clear_account
from beacon.store.tables import Force, User
from beacon.store.tables_accounts import StaffOidcLink

OIDC = Actor.system("oidc sign-in")
# The browser has this long at the provider before Beacon forgets the request it sent.
PENDING_FOR = timedelta(minutes=10)
_RANK = {Role.HANDLER: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class OidcRules:
    issuer: str
    force_slug: str
    allowed_domains: frozenset[str]
    role_claim: str
    role_map: dict[str, Role]
    create_users: bool


@dataclass(frozen=True)
class PendingOidc:
    """What Beacon sent the browser to the provider with (kept in the signed cookie)."""

    state: str
    nonce: str
    code_verifier: str
    started_at: datetime


class OidcRefused(Exception):
    def __init__(self, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.reason, self.user = reason, user


def oidc_rules(settings: Settings) -> OidcRules:
    domains = frozenset(d.strip().lower().lstrip("@") for d in settings.oidc_allowed_domains.split(",") if d.strip())
    return OidcRules(issuer=settings.oidc_issuer, force_slug=settings.oidc_force or settings.default_force,
                     allowed_domains=domains, role_claim=settings.oidc_role_claim,
                     role_map={value: Role(role) for value, role in settings.oidc_role_map.items()},
                     create_users=settings.oidc_create_users)


def complete_oidc_sign_in(session: Session, client: OidcClient, rules: OidcRules, pending: PendingOidc | None,
                          answer: dict[str, str], redirect_uri: str, address: str, now: datetime,
                          throttle: ThrottleRules) -> Attempt:
    """Check the provider's answer (state, code, ID token) and find the account; a failure is
    counted and audited like a wrong password."""
    if refuse_if_locked(session, None, address, now) is not None:
        return Attempt(None, Refusal.TRY_LATER)
    try:
        claims = _verified_claims(client, pending, answer, redirect_uri, now)
        user = match_user(session, rules, claims, now)
    except (OidcError, OidcRefused) as error:
        user = error.user if isinstance(error, OidcRefused) else None
        reason = error.reason if isinstance(error, OidcRefused) else str(error)
        return Attempt(None, count_failed_sign_in(session, user.username if user else None, address, now,
                                                  throttle, reason=f"OIDC: {reason}"))
    if refuse_if_locked(session, user.username, address, now) is not None:
        return Attempt(None, Refusal.TRY_LATER)
    clear_account(session, user.username)
    return Attempt(user, None)


def _verified_claims(client: OidcClient, pending: PendingOidc | None, answer: dict[str, str],
                     redirect_uri: str, now: datetime) -> dict[str, Any]:
    if pending is None or now - pending.started_at > PENDING_FOR:
        raise OidcError("no sign-in was started from this browser, or it is too old")
    if not secrets.compare_digest(answer.get("state", ""), pending.state):
        raise OidcError("the state sent back is not the one Beacon sent")
    if answer.get("error"):
        raise OidcError(f"the provider refused: {answer['error'][:100]}")
    if not answer.get("code"):
        raise OidcError("the provider sent no code")
    token = client.exchange_code(answer["code"], redirect_uri, pending.code_verifier)
    return client.verify_id_token(token, pending.nonce, now)


def match_user(session: Session, rules: OidcRules, claims: dict[str, Any], now: datetime) -> User:
    """The active account of the rules' force that these verified claims name."""
    subject, email = str(claims["sub"]), _verified_email(claims)
    if rules.allowed_domains and email.rpartition("@")[2] not in rules.allowed_domains:
        raise OidcRefused("the email address is not in an allowed domain")
    force = session.scalar(select(Force).where(Force.slug == rules.force_slug))
    if force is None:
        raise OidcRefused(f"no force {rules.force_slug!r}")
    mapped = mapped_role(rules, claims)
    user = _linked(session, rules, subject, now) or _by_email(session, rules, force, subject, email, now)
    if user is None:
        user = _created(session, rules, force, claims, email, mapped, now)
    if not user.active:
        raise OidcRefused("the account is deactivated", user)
    if user.force_id != force.id:
        raise OidcRefused("the account belongs to another force", user)
    if mapped is not None and mapped.value != user.role:
        set_role(session, user.username, mapped, now, actor=OIDC)
    return user


def mapped_role(rules: OidcRules, claims: dict[str, Any]) -> Role | None:
    """The highest role the claim's values map to, or None."""
    if not rules.role_claim:
        return None
    values = claims.get(rules.role_claim, [])
    values = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    roles = [rules.role_map[v] for v in values if isinstance(v, str) and v in rules.role_map]
    return max(roles, key=_RANK.__getitem__) if roles else None


def _verified_email(claims: dict[str, Any]) -> str:
    """The email, only when the provider vouches for it."""
    email = claims.get("email")
    return email.strip().lower() if isinstance(email, str) and claims.get("email_verified") is True else ""


def _linked(session: Session, rules: OidcRules, subject: str, now: datetime) -> User | None:
    link = session.scalar(select(StaffOidcLink).where(StaffOidcLink.issuer == rules.issuer,
                                                      StaffOidcLink.subject == subject))
    if link is None:
        return None
    link.last_used_at = now
    return session.get_one(User, link.user_id)


def _by_email(session: Session, rules: OidcRules, force: Force, subject: str, email: str,
              now: datetime) -> User | None:
    if not email:
        return None
    user = session.scalar(select(User).where(User.email == email, User.force_id == force.id))
    if user is None:
        return None
    already = session.scalar(select(StaffOidcLink).where(StaffOidcLink.user_id == user.id,
                                                         StaffOidcLink.issuer == rules.issuer))
    if already is not None:  # the address moved to someone else at the provider: not them
        raise OidcRefused("the account is linked to another identity at the provider", user)
    _link(session, rules, user, subject, now, "linked by verified email")
    return user


def _created(session: Session, rules: OidcRules, force: Force, claims: dict[str, Any], email: str,
             mapped: Role | None, now: datetime) -> User:
    if not rules.create_users:
        raise OidcRefused("no Beacon account for this identity")
    if not email or len(email) > 100:
        raise OidcRefused("no verified email (of at most 100 characters) to name a new account by")
    if session.scalar(select(User.id).where(User.username == email)) is not None:
        raise OidcRefused("an account with this name exists but has no email to match")
    role = mapped or Role.HANDLER
    user = create_user(session, force_slug=force.slug, username=email, password=generate_long_password(),
                       role=role, display_name=str(claims.get("name") or email)[:200])
    user.email = email
    append_event(session, actor=OIDC, action=Action.CREATED, object_type="user", object_id=user.id, at=now,
                 force_id=force.id, reason="created at first OIDC sign-in", data={"role": role.value})
    _link(session, rules, user, str(claims["sub"]), now, "created at first OIDC sign-in")
    return user


def _link(session: Session, rules: OidcRules, user: User, subject: str, now: datetime, reason: str) -> None:
    session.add(StaffOidcLink(user_id=user.id, issuer=rules.issuer, subject=subject, created_at=now,
                              last_used_at=now))
    session.flush()
    append_event(session, actor=OIDC, action=Action.CHANGED, object_type="user", object_id=user.id, at=now,
                 force_id=user.force_id, reason=reason, data={"issuer": rules.issuer})
