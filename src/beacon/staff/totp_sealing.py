"""TOTP secrets sealed at rest: AES-256-GCM under a key derived from the audit key (HKDF), so
the key is never in the database and a copy of the database yields no second factor.

A sealed value reads `v1:<base64url(nonce | ciphertext | tag)>`. The user's id is bound in as
associated data: a sealed secret copied onto another user's row does not open. A value without
the prefix is a secret stored before sealing (migration 0016): it still works, is sealed the
first time it is used, and `seal_plain_secrets` seals every such row when Beacon migrates or starts.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beacon.audit.seal import seal_of
from beacon.store.tables_accounts import StaffTotp

PREFIX = "v1:"
PURPOSE = "beacon staff_totp secret v1"


class SecretUnreadable(ValueError):
    """A sealed secret that does not open: another key, or an edited or moved row."""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal_secret(session: Session, user_id: int, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(session).encrypt(nonce, secret.encode(), _bound_to(user_id))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_secret(session: Session, user_id: int, stored: str) -> str:
    if not is_sealed(stored):
        return stored  # from before sealing
    raw = base64.urlsafe_b64decode(stored[len(PREFIX):])
    try:
        return _cipher(session).decrypt(raw[:12], raw[12:], _bound_to(user_id)).decode()
    except InvalidTag:
        raise SecretUnreadable(f"the second factor of user {user_id} does not open with this key") from None


def seal_plain_secrets(session_factory: sessionmaker[Session]) -> int:
    """Seal every secret still stored in plain text; returns how many."""
    with session_factory.begin() as session:
        rows = [row for row in session.scalars(select(StaffTotp)) if not is_sealed(row.secret)]
        for row in rows:
            row.secret = seal_secret(session, row.user_id, row.secret)
        return len(rows)


def _cipher(session: Session) -> AESGCM:
    return AESGCM(seal_of(session).derive_key(PURPOSE))


def _bound_to(user_id: int) -> bytes:
    return f"staff_totp:{user_id}".encode()
