"""Recognise mail that a machine sent: bounces (delivery status reports) and auto-replies.

Such mail is kept, but never triaged as citizen contact. A bounce also tells us which of our
replies failed: its delivery-status part says what happened and its returned headers carry the
Message-ID we gave that reply.

Bounces come in more shapes than RFC 3464's `multipart/report; report-type=delivery-status`:
the `report-type` parameter is left out by some MTAs, the `message/delivery-status` part turns
up inside `multipart/mixed`, SMTPUTF8 reports use `message/global-delivery-status` (RFC 6533),
and qmail and older Exim send a plain-text failure notice from MAILER-DAEMON (Exim and Gmail
add `X-Failed-Recipients`) that quotes the returned message's headers in its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import HeaderParser

_AUTO_SUBJECTS = (
    "automatic reply:",
    "auto-reply:",
    "autoreply:",
    "out of office:",
    "out of the office:",
    "auto response:",
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_REPORT_TYPES = ("delivery-status", "global-delivery-status")
_STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")
_RETURNED_PARTS = ("message/rfc822", "text/rfc822-headers", "message/global",
                   "message/global-headers")
_QUOTED_MESSAGE_ID = re.compile(
    r"^[ \t>]*Message-ID:[ \t]*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE
)
_DELAY_WORDS = ("delayed", "delay", "warning", "still trying", "will retry")


@dataclass(frozen=True)
class Bounce:
    original_message_id: str | None
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str | None
    diagnostic: str | None
    recipient: str | None


def automation_reason(message: EmailMessage, sender: str) -> tuple[str, str] | None:
    """(kind, reason) when a machine sent this mail, else None."""
    report = _delivery_report_reason(message)
    if report:
        return "bounce", report
    if message.get("X-Failed-Recipients"):
        return "bounce", "X-Failed-Recipients header"
    local_part = sender.split("@", 1)[0].lower()
    return_path = str(message.get("Return-Path", "<>")).strip()
    if local_part in _BOUNCE_SENDERS and return_path in ("<>", ""):
        return "bounce", f"sent by {local_part} with an empty Return-Path"
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto_reply", f"Auto-Submitted: {auto[:40]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if message.get(name):
            return "auto_reply", f"{name} header"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return "auto_reply", f"Precedence: {precedence}"
    subject = str(message.get("Subject", "")).strip().lower()
    if subject.startswith(_AUTO_SUBJECTS):
        return "auto_reply", "subject of an automatic reply"
    return None


def _delivery_report_reason(message: Message) -> str | None:
    if message.get_content_type() == "multipart/report":
        kind = str(message.get_param("report-type", "")).lower()
        if kind in _REPORT_TYPES:
            return f"multipart/report; report-type={kind}"
    if message.is_multipart() and any(
        part.get_content_type() in _STATUS_PARTS for part in message.walk()
    ):
        return "a delivery-status part (no report-type)"
    return None


def read_bounce(message: EmailMessage) -> Bounce:
    """What a bounce says (call it for mail `automation_reason` called a bounce): the fields of
    its delivery-status part when it has one (RFC 3464), else what a plain failure notice
    shows (the returned Message-ID quoted in its text, `X-Failed-Recipients`)."""
    fields: dict[str, str] = {}
    original: str | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind in _STATUS_PARTS:
            fields.update(_status_fields(part))
        elif kind in _RETURNED_PARTS and original is None:
            original = _returned_message_id(part)
    if not fields:
        return _plain_bounce(message, original)
    return Bounce(
        original_message_id=original or _quoted_message_id(message),
        action=fields.get("action", "failed").lower(),
        status=fields.get("status"),
        diagnostic=fields.get("diagnostic-code"),
        recipient=fields.get("final-recipient"),
    )


def _plain_bounce(message: EmailMessage, original: str | None) -> Bounce:
    text = _texts(message)
    subject = str(message.get("Subject", "")).lower()
    delayed = any(word in subject for word in _DELAY_WORDS)
    failed = message.get("X-Failed-Recipients")
    return Bounce(
        original_message_id=original or _quoted_message_id(message, text),
        action="delayed" if delayed else "failed",
        status=None,
        diagnostic=None,
        recipient=str(failed).strip()[:320] if failed else None,
    )


def _texts(message: Message) -> str:
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                parts.append(raw.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def _quoted_message_id(message: Message, text: str | None = None) -> str | None:
    """The returned mail's Message-ID as quoted in the notice's text (the notice's own
    Message-ID is a header, never in its text)."""
    found = _QUOTED_MESSAGE_ID.search(text if text is not None else _texts(message))
    return found.group(1) if found else None


def _status_fields(part: Message) -> dict[str, str]:
    """Per-message and per-recipient fields; the first recipient's values win."""
    fields: dict[str, str] = {}
    for block in _status_blocks(part):
        for name, value in block.items():
            fields.setdefault(name.lower(), str(value).strip())
    return fields


def _status_blocks(part: Message) -> list[Message]:
    """The stdlib parses message/delivery-status into one header block per field group; the
    global (UTF-8) kind comes back as one block whose body holds the other groups as text, so
    any such text is split into blocks here."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _text_blocks(str(payload))
    blocks: list[Message] = []
    for block in payload:
        if isinstance(block, Message):
            blocks.append(block)
            rest = block.get_payload()
            if isinstance(rest, str) and rest.strip():
                blocks.extend(_text_blocks(rest))
    return blocks


def _text_blocks(text: str) -> list[Message]:
    return [HeaderParser().parsestr(block) for block in re.split(r"\r?\n\s*\r?\n", text)
            if block.strip()]


def _returned_message_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        headers: Message = payload[0]
    else:
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
        headers = HeaderParser().parsestr(text)
    value = headers.get("Message-ID")
    return strip_angle(str(value)) if value else None


def strip_angle(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()
