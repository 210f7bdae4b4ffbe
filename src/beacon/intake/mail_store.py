"""Mail into Beacon: parse one raw mail, store what it carries, dead-letter what cannot be read.

Used by `beacon mail import` (files) and `beacon mail poll` (IMAP). `store_mail` returns only
after its transaction committed, so the IMAP poller may then flag the mail `\\Seen`; the fresh
message ids are published to the pipeline after the commit. Importing the same mail again is
a no-op: messages by their unique Message-ID; an unreadable mail counts as one more copy on
the dead letter that already holds its bytes.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

from beacon.intake import email_in
from beacon.intake.deadletters import MAIL_SOURCE
from beacon.intake.deliveries import Intake, keep_dead_letter, rejection_reason, take_in
from beacon.intake.email_import import RawMail
from beacon.intake.errors import IntakeError

if TYPE_CHECKING:
    from beacon.bootstrap import Beacon

MAIL_CONTENT_TYPE = "message/rfc822"


@dataclass(frozen=True)
class StoredMail:
    source: str
    intake: Intake
    error: str | None = None  # set when the mail (or part of it) went to the dead letters


def store_mail(beacon: Beacon, mail: RawMail, *, publish: bool = True) -> StoredMail:
    """Parse, store and commit one mail; publish its new messages. Database errors propagate."""
    now = beacon.clock.now()
    try:
        result = email_in.parse(mail.data, channel_account=beacon.settings.mail_address or None,
                                received_at=now)
    except IntakeError as error:
        reason = f"{error.code}: {error} ({mail.source})"
        with beacon.session_factory.begin() as session:
            letter = keep_dead_letter(
                session, source=MAIL_SOURCE, reason=reason, raw=mail.data,
                content_type=MAIL_CONTENT_TYPE, now=now)
        return StoredMail(mail.source, Intake(dead_letter_id=letter), reason)
    with beacon.session_factory.begin() as session:
        intake = take_in(session, result, beacon.forces, now)
        error_text = None
        if result.rejected:
            error_text = rejection_reason(result.rejected)
            intake.dead_letter_id = keep_dead_letter(
                session, source=MAIL_SOURCE, reason=error_text, raw=mail.data,
                content_type=MAIL_CONTENT_TYPE, now=now)
    if publish and intake.fresh:
        beacon.transport.publish(intake.fresh)
    return StoredMail(mail.source, intake, error_text)


def explain_imap_error(error: BaseException) -> str:
    """A sentence an operator can act on, never containing the password."""
    if isinstance(error, imaplib.IMAP4.error):
        return f"the mail server refused us: {_clean(error)} (check BEACON_IMAP_USER/PASSWORD/MAILBOX)"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the mail server's TLS certificate was not accepted: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS with the mail server failed: {error.reason or error}"
    if isinstance(error, socket.gaierror):
        return "the mail server's host name could not be found (check BEACON_IMAP_HOST)"
    if isinstance(error, TimeoutError | socket.timeout):
        return "the mail server did not answer in time"
    if isinstance(error, OSError):
        return f"the mail server could not be reached: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"


def _clean(error: BaseException) -> str:
    text = str(error)
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return text[:200]
