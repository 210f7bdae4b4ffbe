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


def start_replacement(session: Session, user: User, issuer: str, now: datetime) -> Enrolment:
    """A new secret for a user who sets up or replaces their own factor. One they already have
    keeps working until a code from the new one confirms it (`confirm_replacement`): a half-done
    replacement, or a phone that never scanned the code, locks no one out."""
    row = session.get(StaffTotp, user.id)
    if row is None or row.confirmed_at is None:
        return start_enrolment(session, user, issuer, now)
    secret = pyotp.random_base32()
    row.replacement_secret = seal_secret(session, user.id, secret)
    row.replacement_started_at = now
    session.flush()
    return enrolment_of(user, secret, issuer)


def pending_replacement(session: Session, user: User, issuer: str) -> Enrolment | None:
    """The new secret waiting for its first code, if any (a replacement or a first enrolment)."""
    row = session.get(StaffTotp, user.id)
    if row is not None and row.confirmed_at is not None and row.replacement_secret:
        return enrolment_of(user, open_secret(session, user.id, row.replacement_secret), issuer)
    return pending_enrolment(session, user, issuer)


def confirm_replacement(session: Session, user: User, code: str, now: datetime) -> list[str] | None:
    """A code from the new secret makes it the user's factor, with fresh recovery codes (the old
    ones go with the old secret); None when the code is wrong or nothing is pending."""
    row = session.get(StaffTotp, user.id)
    if row is None or row.confirmed_at is None:
        return confirm_enrolment(session, user, code, now)
    if not row.replacement_secret:
        return None
    step = _matching_step(open_secret(session, user.id, row.replacement_secret), code, now, after=None)
    if step is None:
        return None
    row.secret, row.replacement_secret, row.replacement_started_at = row.replacement_secret, None, None
    row.last_step = max(row.last_step or 0, step)  # this step's codes are spent, old secret's and new
    row.confirmed_at = row.created_at = now
    return issue_recovery_codes(row)


def cancel_replacement(session: Session, user: User) -> bool:
    """Drop a pending new secret (the current factor, if any, is untouched); False: none pending."""
    row = session.get(StaffTotp, user.id)
    if row is None:
        return False
    if row.confirmed_at is None:
        session.delete(row)
        session.flush()
        return True
    pending = bool(row.replacement_secret)
    row.replacement_secret, row.replacement_started_at = None, None
    return pending


def regenerate_recovery_codes(session: Session, user: User) -> list[str] | None:
    """Ten new recovery codes in place of every old one; None when there is no second factor."""
    row = session.get(StaffTotp, user.id)
    if row is None or row.confirmed_at is None:
        return None
    return issue_recovery_codes(row)


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
    step = _matching_step(secret, code, now, after=row.last_step)
    if step is None:
        return False
    row.last_step = step
    return True


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step (within the drift allowed) whose code `code` is, later than `after`."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        candidate = step + offset
        if after is not None and candidate <= after:
            continue
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _spend_recovery_code(row: StaffTotp, code: str) -> bool:
    digest = _hash(code.strip().lower())
    if digest not in row.recovery_hashes:
        return False
    row.recovery_hashes = [h for h in row.recovery_hashes if h != digest]  # a new list: JSON change seen
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
