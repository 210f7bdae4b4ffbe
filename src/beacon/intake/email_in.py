"""Email in: one RFC 5322 message (from .eml, mbox, Maildir or IMAP) to a normalised message.

Threading follows RFC 5322: `Message-ID` is the provider id, `In-Reply-To` the message replied
to, and the first id in `References` (the thread's root) names the thread. HTML-only bodies are
reduced to safe text; attachments are recorded as `MediaRef` (the bytes stay in the raw mail).
Bounces and auto-replies go to `ParseResult.automated`, never to triage; a bounce of one of our
replies also becomes a `failed` delivery status for that reply.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from beacon.intake.email_auto import automation_reason, read_bounce, strip_angle
from beacon.intake.email_html import html_to_text
from beacon.intake.errors import PayloadMalformed
from beacon.intake.payload import DEFAULT_MAX_BYTES, build_message, ensure_size, model_errors
from beacon.intake.results import AutomatedMessage, DeliveryStatus, ParseResult
from beacon.intake.status import ReplyStatus
from beacon.messages import Author, Channel, InboundMessage, MediaRef, utc_now

_MSG_ID = re.compile(r"<([^<>\s]+)>")
_MEDIA_KINDS = {"image": "image", "video": "video", "audio": "audio"}
MAX_MAIL_BYTES = 50 * DEFAULT_MAX_BYTES  # mail carries attachments; 50 MB like most MTAs
_STDLIB_MAIL_ERRORS = (
    MessageError,
    ValueError,
    LookupError,
    AttributeError,
    TypeError,
    AssertionError,
    RecursionError,
)


def parse(
    raw_body: bytes,
    *,
    channel_account: str | None = None,
    received_at: datetime | None = None,
    max_bytes: int = MAX_MAIL_BYTES,
) -> ParseResult:
    """`channel_account` defaults to the mailbox it was delivered to (Delivered-To, then To)."""
    ensure_size(raw_body, max_bytes)
    try:
        return _parse(raw_body, channel_account, received_at or utc_now())
    except _STDLIB_MAIL_ERRORS as error:
        # The standard library's mail parser is lenient, but a few hostile header shapes still
        # raise from deep inside it; they are unreadable mail, not a fault in Beacon.
        raise PayloadMalformed(f"unreadable mail ({type(error).__name__})") from None


def _parse(raw: bytes, account: str | None, received: datetime) -> ParseResult:
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    sender_name, sender = _sender(mail)
    with model_errors():
        message = _message(mail, raw, sender_name, sender, account, received)
    result = ParseResult()
    automated = automation_reason(mail, sender)
    if automated is None:
        result.messages.append(message)
        return result
    kind, reason = automated
    result.automated.append(AutomatedMessage(kind, message, reason))
    bounce = read_bounce(mail) if kind == "bounce" else None
    if bounce and bounce.original_message_id and bounce.action == "failed":
        result.statuses.append(
            DeliveryStatus(
                channel=Channel.EMAIL,
                channel_account=message.channel_account,
                status=ReplyStatus.FAILED,
                at=message.created_at,
                provider_message_id=bounce.original_message_id,
                error_code=bounce.status,
                error_detail=bounce.diagnostic,
                raw={"bounce": message.provider_message_id},
            )
        )
    return result


def _message(
    mail: EmailMessage,
    raw: bytes,
    sender_name: str | None,
    sender: str,
    account: str | None,
    received: datetime,
) -> InboundMessage:
    own_id = message_id(mail, raw)
    references = _ids(mail.get_all("References") or [])
    in_reply_to = next(iter(_ids(mail.get_all("In-Reply-To") or [])), None)
    subject = str(mail.get("Subject") or "").strip()
    body = body_text(mail)
    return build_message(
        channel=Channel.EMAIL,
        channel_account=account or _mailbox(mail) or "email",
        provider_message_id=own_id,
        author=Author(id=sender, handle=sender, name=sender_name),
        text=f"{subject}\n\n{body}".strip() if subject else body,
        media=attachments(mail, own_id),
        reply_to=in_reply_to or (references[-1] if references else None),
        thread_ref=f"email:{references[0] if references else in_reply_to or own_id}",
        created_at=_date(mail) or received,
        received_at=received,
        raw=raw_text(raw),
    )


def message_id(mail: Message, raw: bytes) -> str:
    """The Message-ID; a mail without one gets a stable id from its bytes, so retries dedupe."""
    found = _ids([str(mail.get("Message-ID") or "")])
    if found:
        return found[0][:256]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _ids(values: list[object]) -> list[str]:
    ids: list[str] = []
    for value in values:
        text = str(value)
        found = _MSG_ID.findall(text)
        ids.extend(found or ([strip_angle(text)] if strip_angle(text) else []))
    return [i for i in ids if len(i) <= 256]


def _sender(mail: Message) -> tuple[str | None, str]:
    for name, address in getaddresses([str(v) for v in mail.get_all("From") or []]):
        if "@" in address:
            return (name or None), address.strip().lower()
    raise PayloadMalformed("no sender address", path="From")


def _mailbox(mail: Message) -> str | None:
    for header in ("Delivered-To", "X-Original-To", "To"):
        for _, address in getaddresses([str(v) for v in mail.get_all(header) or []]):
            if "@" in address:
                return address.strip().lower()
    return None


def _date(mail: Message) -> datetime | None:
    value = mail.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def body_text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _part_text(part)
    return html_to_text(text) if part.get_content_type() == "text/html" else text.strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # a charset Python does not know: read it as UTF-8 rather than refuse
        return payload.decode("utf-8", "replace")


def attachments(mail: EmailMessage, own_id: str) -> list[MediaRef]:
    media = []
    for index, part in enumerate(mail.iter_attachments()):
        mime = part.get_content_type()
        media.append(
            MediaRef(
                kind=_MEDIA_KINDS.get(part.get_content_maintype(), "file"),
                provider_id=f"{own_id}#{index}"[:256],
                mime_type=mime[:128],
                name=(part.get_filename() or "")[:512] or None,
            )
        )
    return media[:50]


def raw_text(raw: bytes) -> dict[str, str]:
    """The whole mail, kept losslessly: UTF-8 when it is, else Latin-1 (one char per byte)."""
    try:
        return {"rfc822": raw.decode("utf-8"), "encoding": "utf-8"}
    except UnicodeDecodeError:
        return {"rfc822": raw.decode("latin-1"), "encoding": "latin-1"}


def raw_bytes(raw: dict[str, str]) -> bytes:
    """Back to the exact bytes (to re-parse a stored mail once a parser is fixed)."""
    return raw["rfc822"].encode(raw.get("encoding", "utf-8"))
