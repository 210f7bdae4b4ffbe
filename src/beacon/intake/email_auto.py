"""Recognise mail that a machine sent: bounces (delivery status reports) and auto-replies.

Such mail is kept, but never triaged as citizen contact. A bounce also tells us which of our
replies failed: its delivery-status part says what happened and its returned headers carry the
Message-ID we gave that reply.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Bounce:
    original_message_id: str | None
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str | None
    diagnostic: str | None
    recipient: str | None


def automation_reason(message: EmailMessage, sender: str) -> tuple[str, str] | None:
    """(kind, reason) when a machine sent this mail, else None."""
    if _is_delivery_report(message):
        return "bounce", "multipart/report; report-type=delivery-status"
    local_part = sender.split("@", 1)[0].lower()
    if local_part in _BOUNCE_SENDERS and str(message.get("Return-Path", "")).strip() == "<>":
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


def _is_delivery_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "")).lower() == "delivery-status"
    )


def read_bounce(message: EmailMessage) -> Bounce | None:
    """What a delivery status report says, if this is one (RFC 3464)."""
    if not _is_delivery_report(message):
        return None
    fields: dict[str, str] = {}
    original: str | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            fields.update(_status_fields(part))
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _returned_message_id(part)
    return Bounce(
        original_message_id=original,
        action=fields.get("action", "failed").lower(),
        status=fields.get("status"),
        diagnostic=fields.get("diagnostic-code"),
        recipient=fields.get("final-recipient"),
    )


def _status_fields(part: Message) -> dict[str, str]:
    """Per-message and per-recipient fields; the first recipient's values win."""
    fields: dict[str, str] = {}
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    for block in blocks:
        if isinstance(block, Message):
            for name, value in block.items():
                fields.setdefault(name.lower(), str(value).strip())
    return fields


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
