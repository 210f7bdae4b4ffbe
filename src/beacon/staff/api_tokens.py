"""API tokens for integrations: issue, check, revoke; every issue, revoke and refusal audited.

A token reads `bkn_<key id>_<secret>`. The key id finds the row; only the SHA-256 of the whole
token is stored. A token belongs to one force, carries permissions (intake, metrics) and may be
narrowed to some of the force's channel accounts. Checking needs no write; a refusal of a token
Beacon knows (wrong secret, revoked, lacking a permission, out of scope) is then written to the
audit log by `record_refusal`. A missing or unknown token is not: anyone can send those, and
the audit log is not to be filled by whoever can reach the port (they are logged instead).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.store.tables import ChannelAccount
from beacon.store.tables_access import ApiToken

TOKEN_PREFIX = "bkn"
NAME_MAX = 100


class Permission(StrEnum):
    """What a token may do. Values are stored: never change one, only add."""

    INTAKE = "intake"  # POST /api/v1/messages
    METRICS = "metrics"  # GET /metrics


class TokenError(ValueError):
    """A token cannot be issued or revoked as asked; the message says why."""


class TokenNotFound(TokenError):
    """No such token in the force."""


@dataclass(frozen=True)
class IssuedToken:
    row: ApiToken
    token: str  # shown once, never stored


@dataclass(frozen=True)
class Grant:
    """What a checked token allows."""

    token_id: int
    force_id: int
    name: str
    channel_accounts: frozenset[str]

    def covers(self, channel: str, account: str) -> bool:
        return not self.channel_accounts or account_key(channel, account) in self.channel_accounts


@dataclass(frozen=True)
class Refusal:
    """Why a request's token was not accepted; status is 401 (no usable token) or 403."""

    status: int
    code: str
    detail: str
    token_id: int | None = None  # set when the token is Beacon's: then the refusal is audited
    force_id: int | None = None
    name: str = ""


def account_key(channel: str, account: str) -> str:
    return f"{channel}:{account}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_actor(row_id: int, name: str) -> Actor:
    return Actor("token", row_id, f"token {name}")


def issue_token(
    session: Session, *, force_id: int, name: str, permissions: list[Permission],
    channel_accounts: list[str], actor: Actor, now: datetime,
) -> IssuedToken:
    """A new token; `channel_accounts` are `channel:account` keys the force owns."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise TokenError(f"a token needs a name of 1 to {NAME_MAX} characters (the integration's)")
    if not permissions:
        raise TokenError("a token needs at least one permission: " + ", ".join(p.value for p in Permission))
    _check_accounts_are_the_forces(session, force_id, channel_accounts)
    key_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        force_id=force_id, name=name, key_id=key_id, secret_hash=_digest(token),
        permissions=sorted({p.value for p in permissions}), channel_accounts=sorted(set(channel_accounts)),
        created_at=now, created_by=actor.name,
    )
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action=Action.CREATED, object_type="api_token", object_id=row.id,
                 at=now, force_id=force_id, reason=f"API token {name!r} issued",
                 data={"permissions": row.permissions, "channel_accounts": row.channel_accounts,
                       "key_id": key_id})
    return IssuedToken(row, token)


def _check_accounts_are_the_forces(session: Session, force_id: int, keys: list[str]) -> None:
    owned = {account_key(c, a) for c, a in session.execute(
        select(ChannelAccount.channel, ChannelAccount.account).where(ChannelAccount.force_id == force_id))}
    foreign = sorted(set(keys) - owned)
    if foreign:
        raise TokenError(f"not channel accounts of this force: {', '.join(foreign)}")


def revoke_token(
    session: Session, token_id: int, *, force_id: int | None, actor: Actor, now: datetime, reason: str = "",
) -> ApiToken:
    """Revoke at once (the next request with it is refused). `force_id` None: any force's (CLI)."""
    row = session.get(ApiToken, token_id)
    if row is None or (force_id is not None and row.force_id != force_id):
        raise TokenNotFound(f"no token {token_id}")
    if row.revoked_at is not None:
        raise TokenError(f"token {token_id} was already revoked")
    row.revoked_at, row.revoked_by = now, actor.name
    append_event(session, actor=actor, action=Action.CHANGED, object_type="api_token", object_id=row.id,
                 at=now, force_id=row.force_id, reason=f"API token {row.name!r} revoked: {reason}".rstrip(": "),
                 data={"revoked": True, "key_id": row.key_id})
    return row


def list_tokens(session: Session, force_id: int | None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.id)
    if force_id is not None:
        query = query.where(ApiToken.force_id == force_id)
    return list(session.scalars(query))


def check_token(session: Session, presented: str | None, permission: Permission) -> Grant | Refusal:
    """The grant of a valid, unrevoked token holding `permission`; else why not."""
    if not presented:
        return Refusal(401, "token_required", f"send an API token: Authorization: Bearer {TOKEN_PREFIX}_…")
    parts = presented.split("_", 2)
    row = None
    if len(parts) == 3 and parts[0] == TOKEN_PREFIX:
        row = session.scalar(select(ApiToken).where(ApiToken.key_id == parts[1]))
    if row is None:
        return Refusal(401, "token_invalid", "the API token is not valid")
    known = {"token_id": row.id, "force_id": row.force_id, "name": row.name}
    if not hmac.compare_digest(row.secret_hash, _digest(presented)):
        return Refusal(401, "token_invalid", "the API token is not valid", **known)
    if row.revoked_at is not None:
        return Refusal(401, "token_revoked", "the API token has been revoked", **known)
    if permission.value not in row.permissions:
        return Refusal(403, "token_lacks_permission", f"the API token does not allow {permission.value}", **known)
    return Grant(row.id, row.force_id, row.name, frozenset(row.channel_accounts))


def out_of_scope(grant: Grant, detail: str) -> Refusal:
    return Refusal(403, "token_out_of_scope", detail, grant.token_id, grant.force_id, grant.name)


def record_refusal(session: Session, refusal: Refusal, *, what: str, address: str, now: datetime) -> None:
    """Audit a refusal of one of Beacon's tokens (the caller decides the others are only logged)."""
    if refusal.token_id is None:
        return
    append_event(session, actor=token_actor(refusal.token_id, refusal.name), action=Action.REFUSED,
                 object_type="api_token", object_id=refusal.token_id, at=now, force_id=refusal.force_id,
                 reason=f"{what} refused: {refusal.detail}"[:1000],
                 data={"code": refusal.code, "status": refusal.status, "address": address})
