"""The audit chain's key, kept outside the database, and what the sessions carry of it.

Whoever can write to the database can recompute a plain SHA-256 chain after editing a row; an
HMAC chain needs the key too, and the key lives in a setting or a file, never in a table.

The sessions Beacon makes carry an `AuditSeal` in `Session.info`, so every `append_event` and
`verify_chain` uses the one key without each caller passing it along.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from beacon.audit.checkpoints import CheckpointWriter
    from beacon.clock import Clock
    from beacon.config import Settings

SEAL_KEY = "beacon_audit_seal"
KEY_FILE = "audit.key"
CHECKPOINT_DIR = "audit-checkpoints"


class AuditSeal:
    """The key, and the writer of signed checkpoints outside the database."""

    def __init__(self, key: bytes, checkpoints: CheckpointWriter) -> None:
        if len(key) < 16:
            raise ValueError("the audit key must be at least 16 bytes")
        self._key = key
        self.checkpoints = checkpoints

    def digest(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def derive_key(self, purpose: str) -> bytes:
        """A 256-bit key for another use (sealing TOTP secrets), derived from the audit key with
        HKDF-SHA256: one secret to keep outside the database, and no key reused for two jobs."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(self._key)

    def __repr__(self) -> str:  # never show the key
        return f"AuditSeal(checkpoints={self.checkpoints.directory})"


def seal_of(session: Session) -> AuditSeal:
    seal = session.info.get(SEAL_KEY)
    if not isinstance(seal, AuditSeal):
        raise RuntimeError("this session has no audit key: make sessions through beacon.bootstrap")
    return seal


def load_audit_key(settings: Settings) -> bytes:
    """BEACON_AUDIT_KEY, else the file BEACON_AUDIT_KEY_FILE, else var/audit.key (made once)."""
    configured = settings.audit_key.get_secret_value()
    if configured:
        return configured.encode()
    if settings.audit_key_file is not None:
        return _read_key(settings.audit_key_file)
    path = settings.var_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        key = path.read_text().strip()
    except OSError as error:
        raise ValueError(f"cannot read the audit key file {path}: {error.strerror}") from None
    if not key:
        raise ValueError(f"the audit key file {path} is empty")
    return key.encode()


def checkpoint_dir(settings: Settings) -> Path:
    return settings.audit_checkpoint_dir or settings.var_dir / CHECKPOINT_DIR


def make_audit_seal(settings: Settings, clock: Clock) -> AuditSeal:
    from beacon.audit.checkpoints import CheckpointWriter

    writer = CheckpointWriter(checkpoint_dir(settings), clock, settings.audit_checkpoint_events)
    return AuditSeal(load_audit_key(settings), writer)


def attach_seal(seal: AuditSeal, write: sessionmaker[Session], read: sessionmaker[Session]) -> None:
    """Every session from these factories carries the seal; each commit may write a checkpoint."""
    write.kw.setdefault("info", {})[SEAL_KEY] = seal
    read.kw.setdefault("info", {})[SEAL_KEY] = seal
    seal.checkpoints.bind(seal.digest, read)
    event.listen(write, "after_commit", lambda _session: seal.checkpoints.after_commit())
