"""Email replies: a threaded reply message, and sending it over SMTP with STARTTLS or TLS.

The reply's Message-ID is derived from the reply's idempotency key, so a retried send carries
the same id (receiving systems and our fake server can drop the repeat), and a bounce that
quotes it can be matched back to the reply.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime

from beacon.intake.email_in import raw_bytes
from beacon.intake.outbound import ReplyOutcome, ReplyTarget, check_length, failed, sent
from beacon.messages import InboundMessage, utc_now

TEXT_LIMIT = 100_000


@dataclass(frozen=True, repr=False)
class SmtpAccount:
    host: str
    from_address: str
    username: str | None = None
    password: str | None = None
    port: int = 587
    security: str = "starttls"  # "starttls", "tls" (implicit, port 465) or "none" (tests only)
    timeout: float = 30.0


def reply_message_id(idempotency_key: str, from_address: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"reply-{digest}@{from_address.rsplit('@', 1)[-1]}"


def subject_of(message: InboundMessage) -> str:
    """The subject of a stored inbound mail, read back from its raw copy."""
    raw = message.raw
    if not isinstance(raw, dict) or "rfc822" not in raw:
        return ""
    headers = BytesHeaderParser().parsebytes(raw_bytes(raw))
    return str(headers.get("Subject") or "").strip()


def build_reply(
    target: ReplyTarget, text: str, *, account: SmtpAccount, subject: str, idempotency_key: str
) -> EmailMessage:
    check_length(text, TEXT_LIMIT, "email")
    mail = EmailMessage()
    mail["From"] = account.from_address
    mail["To"] = target.recipient_handle or target.recipient_id
    mail["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
    mail["Date"] = format_datetime(utc_now())
    mail["Message-ID"] = f"<{reply_message_id(idempotency_key, account.from_address)}>"
    if target.in_reply_to:
        root = (target.thread_ref or "").removeprefix("email:")
        mail["In-Reply-To"] = f"<{target.in_reply_to}>"
        refs = [root] if root and root != target.in_reply_to else []
        mail["References"] = " ".join(f"<{r}>" for r in [*refs, target.in_reply_to])
    mail.set_content(text)
    return mail


SmtpFactory = Callable[[SmtpAccount], smtplib.SMTP]


def open_smtp(account: SmtpAccount) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if account.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            account.host, account.port, timeout=account.timeout, context=context
        )
    else:
        client = smtplib.SMTP(account.host, account.port, timeout=account.timeout)
        if account.security == "starttls":
            client.starttls(context=context)
    if account.username:
        client.login(account.username, account.password or "")
    return client


def send_email(
    mail: EmailMessage, account: SmtpAccount, *, connect: SmtpFactory = open_smtp
) -> ReplyOutcome:
    message_id = str(mail["Message-ID"]).strip("<>")
    try:
        client = connect(account)
        try:
            client.send_message(mail)
        finally:
            _quit_quietly(client)
    except smtplib.SMTPAuthenticationError as error:
        return failed("credentials", _smtp_detail(error), retryable=False)
    except smtplib.SMTPRecipientsRefused as error:
        return failed("smtp_recipient_refused", str(list(error.recipients))[:200], retryable=False)
    except smtplib.SMTPResponseException as error:
        # 4xx is the server saying "later"; 5xx is final.
        return failed(
            f"smtp_{error.smtp_code}", _smtp_detail(error), retryable=400 <= error.smtp_code < 500
        )
    except (smtplib.SMTPException, OSError) as error:
        return failed("transport", type(error).__name__, retryable=True)
    return sent(message_id)


def _quit_quietly(client: smtplib.SMTP) -> None:
    """A failed QUIT after an accepted message must not look like a failed send (and resend)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _smtp_detail(error: smtplib.SMTPResponseException) -> str:
    message = error.smtp_error
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
