"""A handler's reply to a citizen: queued with its record, sent after commit.

In the caller's transaction, `queue_reply` writes the outbound `Message` (direction `out`), a
`message_out` entry on the case's timeline, the outbox entry the sender will send, and a
`disclosed` audit event. If any of it fails, none of it happened and nothing is sent.

The form supplies a key made when it was shown; the outbox's idempotency key derives from it,
so a double-submitted form queues one reply, and every resend after a crash carries the same
key to the provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.intake import email_out, meta_reply, telegram, twilio_sms, whatsapp, x
from beacon.intake.email_in import raw_bytes
from beacon.intake.errors import ReplyError
from beacon.intake.outbound import ReplyTarget, check_length
from beacon.messages import Channel
from beacon.outbox.queue import enqueue
from beacon.store.tables import Case, CaseEntry, Message
from beacon.store.tables_outbox import OutboxEntry

REPLY_STATE = "reply"  # an outbound message's state: never "received", so never triaged
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TEXT_LIMITS = {
    "facebook": meta_reply.TEXT_LIMIT, "instagram": meta_reply.TEXT_LIMIT,
    "whatsapp": whatsapp.TEXT_LIMIT, "sms": twilio_sms.TEXT_LIMIT, "x": x.TEXT_LIMIT,
    "telegram": telegram.TEXT_LIMIT, "email": email_out.TEXT_LIMIT, "log": 20_000,
}


class ReplyRefused(Exception):
    """The reply cannot be queued; `code` is stable for the web layer."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Route:
    sender: str  # the outbox channel: which sender sends it
    target: ReplyTarget
    subject: str = ""


@dataclass(frozen=True)
class QueuedReply:
    outbox_id: int
    message_id: int
    sender: str
    already_queued: bool = False


def route_for(message: Message, mailbox: str = "") -> Route:
    """Where a reply to this message goes: the same channel, or the web form's contact."""
    if message.channel == Channel.WEBFORM.value:
        return _webform_route(message, mailbox)
    channel = Channel(message.channel)
    target = ReplyTarget(
        channel, message.channel_account, message.author_id, message.author_handle,
        message.thread_ref, message.provider_message_id,
    )
    sender = "log" if channel is Channel.API else channel.value
    return Route(sender, target, _subject(message) if channel is Channel.EMAIL else "")


def _webform_route(message: Message, mailbox: str) -> Route:
    raw: dict[str, Any] = message.raw if isinstance(message.raw, dict) else {}
    contact = str(raw.get("contact") or "").strip()
    if not raw.get("consent_to_reply") or not contact:
        raise ReplyRefused("no_consent", "the citizen gave no contact detail or no consent to reply")
    if "@" in contact:
        target = ReplyTarget(Channel.EMAIL, mailbox or "webform", contact, contact)
        return Route("email", target, "Your message to the police")
    return Route("sms", ReplyTarget(Channel.SMS, "webform", contact, contact))


def _subject(message: Message) -> str:
    """The subject of the mail answered, read from its raw copy (as `email_out.subject_of`)."""
    raw = message.raw
    if isinstance(raw, dict) and "rfc822" in raw:
        headers = BytesHeaderParser().parsebytes(raw_bytes(raw))
        return str(headers.get("Subject") or "").strip()
    return ""


def queue_reply(
    session: Session, *, case: Case, answering: Message, text: str, actor: Actor, form_key: str,
    now: datetime, mailbox: str = "",
) -> QueuedReply:
    if not _KEY.match(form_key):
        raise ReplyRefused("bad_key", "the form's reply key is missing or malformed")
    key = f"reply:{case.id}:{form_key}"
    existing = session.scalar(select(OutboxEntry).where(OutboxEntry.idempotency_key == key))
    if existing is not None:
        return QueuedReply(existing.id, int(existing.payload["message_id"]), existing.channel, True)
    route = route_for(answering, mailbox)
    try:
        check_length(text, TEXT_LIMITS[route.sender], route.sender)
    except ReplyError as error:
        raise ReplyRefused("reply_invalid", error.reason) from None
    out = _outbound_message(session, case, answering, route, text, actor, key, now)
    entry = enqueue(
        session, kind="reply", channel=route.sender, target=route.target.recipient_id,
        payload={"text": text, "target": _target_fields(route.target), "subject": route.subject,
                 "message_id": out.id},
        idempotency_key=key, now=now, force_id=case.force_id, case_id=case.id,
    )
    session.add(CaseEntry(case_id=case.id, kind="message_out", message_id=out.id, user_id=actor.id,
                          body=text, data={"outbox_id": entry.id, "channel": route.sender},
                          created_at=now))
    case.updated_at = now
    append_event(session, actor=actor, action=Action.DISCLOSED, object_type="case",
                 object_id=case.id, at=now, force_id=case.force_id, reason="reply to the citizen",
                 data={"outbox_id": entry.id, "channel": route.sender, "message_id": out.id})
    return QueuedReply(entry.id, out.id, route.sender)


def _outbound_message(
    session: Session, case: Case, answering: Message, route: Route, text: str, actor: Actor,
    key: str, now: datetime,
) -> Message:
    channel = answering.channel if route.sender == "log" else route.target.channel.value
    out = Message(
        force_id=case.force_id, direction="out", channel=channel,
        channel_account=route.target.channel_account, provider_message_id=key,
        author_id=f"staff:{actor.id}", author_name=actor.name, text=text, media=[],
        reply_to=answering.provider_message_id, thread_ref=answering.thread_ref,
        created_at=now, received_at=now, state=REPLY_STATE, categories=[], share_count=0,
        person_id=answering.person_id, case_id=case.id,
    )
    session.add(out)
    session.flush()
    return out


def _target_fields(target: ReplyTarget) -> dict[str, Any]:
    return {
        "channel": target.channel.value, "channel_account": target.channel_account,
        "recipient_id": target.recipient_id, "recipient_handle": target.recipient_handle,
        "thread_ref": target.thread_ref, "in_reply_to": target.in_reply_to,
    }
