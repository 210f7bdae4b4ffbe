"""The second factor: a time-based one-time code (RFC 6238, via pyotp) after the password,
with single-use recovery codes for a lost phone.

The secret is stored sealed (staff/totp_sealing.py: AES-GCM, key outside the database).
A secret starts unconfirmed and counts only once the user has typed a code it made (so a
half-finished enrolment cannot lock anyone out). A code is accepted once: the time step it
belongs to is kept, and a code from that step or an earlier one is refused (a code seen over
a shoulder cannot be replayed). One step either side is allowed for a phone's clock drift.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy.orm import Session

from beacon.staff.totp_sealing import is_sealed, open_secret, seal_secret
from beacon.store.tables import User
from beacon.store.tables_accounts import StaffTotp

RECOVERY_CODES = 10
DRIFT_STEPS = 1


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str  # otpauth:// for authenticator apps

    def qr_svg(self) -> str:
        """The URI as an inline SVG QR code (no image request, no script)."""
        return str(segno.make(self.uri, error="m").svg_inline(scale=4, border=2))

    def qr_text(self) -> str:
        """The QR code drawn in a terminal, for `beacon user totp`."""
        import io

        out = io.StringIO()
        segno.make(self.uri, error="m").terminal(out=out, compact=True)
        return out.getvalue()


def has_second_factor(session: Session, user: User) -> bool:
    row = session.get(StaffTotp, user.id)
    return row is not None and row.confirmed_at is not None


def remove_second_factor(session: Session, user: User) -> bool:
    """Forget a user's second factor (and recovery codes); False when there was none."""
    row = session.get(StaffTotp, user.id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def start_enrolment(session: Session, user: User, issuer: str, now: datetime) -> Enrolment:
    """A new, unconfirmed secret for `user` (replacing any unconfirmed one)."""
    secret = pyotp.random_base32()
    row = session.get(StaffTotp, user.id)
    if row is None:
        row = StaffTotp(user_id=user.id)
        session.add(row)
    row.secret = seal_secret(session, user.id, secret)  # never in the database in plain text
    row.confirmed_at, row.last_step, row.recovery_hashes, row.created_at = None, None, [], now
    session.flush()
    return enrolment_of(user, secret, issuer)


def pending_enrolment(session: Session, user: User, issuer: str) -> Enrolment | None:
    row = session.get(StaffTotp, user.id)
    if row is None or row.confirmed_at is not None:
        return None
    return enrolment_of(user, _secret(session, row), issuer)


def enrolment_of(user: User, secret: str, issuer: str) -> Enrolment:
    return Enrolment(secret, pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer))


def confirm_enrolment(session: Session, user: User, code: str, now: datetime) -> list[str] | None:
    """Confirm the pending secret with a code it made; returns fresh recovery codes (shown once),
    or None when the code is wrong."""
    row = session.get(StaffTotp, user.id)
    if row is None or row.confirmed_at is not None or not _accept_code(row, _secret(session, row), code, now):
        return None
    row.confirmed_at = now
    return issue_recovery_codes(row)


def verify_second_factor(session: Session, user: User, code: str, now: datetime) -> bool:
    """A current code, or an unused recovery code (then spent)."""
    row = session.get(StaffTotp, user.id)
    if row is None or row.confirmed_at is None:
        return False
    return _accept_code(row, _secret(session, row), code, now) or _spend_recovery_code(row, code)


def enrol_confirmed(session: Session, user: User, issuer: str, now: datetime) -> tuple[Enrolment, list[str]]:
    """An administrator's enrolment (`beacon user totp`): confirmed at once, since the secret is
    handed to the user out of band; returns it with the recovery codes."""
    enrolment = start_enrolment(session, user, issuer, now)
    row = session.get(StaffTotp, user.id)
    assert row is not None
    row.confirmed_at = now
    return enrolment, issue_recovery_codes(row)


def issue_recovery_codes(row: StaffTotp) -> list[str]:
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    row.recovery_hashes = [_hash(code) for code in codes]
    return codes


def _secret(session: Session, row: StaffTotp) -> str:
    """The plain secret; one stored before sealing is sealed now, on first use."""
    secret = open_secret(session, row.user_id, row.secret)
    if not is_sealed(row.secret):
        row.secret = seal_secret(session, row.user_id, secret)
    return secret


def _accept_code(row: StaffTotp, secret: str, code: str, now: datetime) -> bool:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        candidate = step + offset
        if row.last_step is not None and candidate <= row.last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            row.last_step = candidate
            return True
    return False


def _spend_recovery_code(row: StaffTotp, code: str) -> bool:
    digest = _hash(code.strip().lower())
    if digest not in row.recovery_hashes:
        return False
    row.recovery_hashes = [h for h in row.recovery_hashes if h != digest]  # a new list: JSON change seen
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
