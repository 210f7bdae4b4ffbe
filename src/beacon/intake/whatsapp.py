"""WhatsApp Business Cloud API webhooks: messages, contacts' profile names, statuses; replies.

Register `/webhooks/whatsapp` in the Meta app's WhatsApp configuration (same GET handshake as
Meta: `meta.verify_subscription`, same `X-Hub-Signature-256` with the app secret).

Body: `{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes":
[{"field": "messages", "value": {"metadata": {"phone_number_id", "display_phone_number"},
"contacts": [{"wa_id", "profile": {"name"}}], "messages": [...], "statuses": [...]}}]}]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from beacon.intake.errors import PayloadUnsupported
from beacon.intake.meta_reply import read_graph_error
from beacon.intake.outbound import (
    ProviderRequest,
    ReplyOutcome,
    ReplyTarget,
    check_length,
    join_url,
    json_body,
    sent,
)
from beacon.intake.payload import (
    DEFAULT_MAX_BYTES,
    Node,
    build_message,
    collect,
    e164,
    from_epoch,
    load_json,
    root,
)
from beacon.intake.results import DeliveryStatus, ParseResult
from beacon.intake.signatures import verify_hub_signature
from beacon.intake.status import status_from_provider
from beacon.messages import Author, Channel, MediaRef, Place, utc_now

_MEDIA_TYPES = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "document": "file",
    "sticker": "sticker",
}
TEXT_LIMIT = 4096


@dataclass(frozen=True)
class _Context:
    account: str
    names: dict[str, str]  # wa_id -> profile name, from the change's `contacts`
    received_at: datetime


def verify(raw_body: bytes, headers: Mapping[str, str], *, app_secret: str) -> None:
    verify_hub_signature(raw_body, headers, app_secret)


def parse(
    raw_body: bytes,
    *,
    channel_account: str | None = None,
    received_at: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """`channel_account` defaults to the receiving number's `phone_number_id`."""
    data = root(load_json(raw_body, max_bytes))
    if data.string("object") != "whatsapp_business_account":
        raise PayloadUnsupported("object is not whatsapp_business_account", path="$.object")
    result = ParseResult()
    for entry in data.items("entry"):
        for change in entry.items("changes"):
            collect(result, change, lambda c, r: _read_change(c, r, channel_account, received_at))
    return result


def _read_change(
    change: Node, result: ParseResult, account: str | None, received: datetime | None
) -> None:
    if change.string("field") != "messages":
        result.ignored.append(f"change.{change.string('field')}")
        return
    value = change.child("value")
    own = account or value.child("metadata").ident("phone_number_id")
    names = {}
    for contact in value.items("contacts"):
        profile = contact.opt_child("profile")
        if profile and profile.opt_string("name"):
            names[contact.ident("wa_id")] = profile.string("name")
    context = _Context(own, names, received or utc_now())
    for message in value.items("messages"):
        collect(result, message, lambda m, r: _read_message(m, r, context))
    for status in value.items("statuses"):
        collect(result, status, lambda s, r: _read_status(s, r, context))


def phone_author(wa_id: str, name: str | None) -> Author:
    """WhatsApp ids are the number without '+': E.164 links the person with their SMS."""
    number = e164(wa_id if wa_id.startswith("+") else f"+{wa_id}")
    return Author(id=number, handle=number, name=name)


def _read_message(message: Node, result: ParseResult, context: _Context) -> None:
    kind = message.string("type")
    if kind in ("reaction", "system", "request_welcome"):
        result.ignored.append(f"message.{kind}")
        return
    sender = message.ident("from")
    reply = message.opt_child("context")
    text, media, place = _content(kind, message)
    result.messages.append(
        build_message(
            channel=Channel.WHATSAPP,
            channel_account=context.account,
            provider_message_id=message.string("id"),
            author=phone_author(sender, context.names.get(sender)),
            text=text,
            media=media,
            place=place,
            reply_to=reply.opt_string("id") if reply else None,
            thread_ref=f"wa:{context.account}:{phone_author(sender, None).id}",
            created_at=from_epoch(message.number("timestamp"), f"{message.path}.timestamp"),
            received_at=context.received_at,
            raw=message.value,
        )
    )


def _content(kind: str, message: Node) -> tuple[str, list[MediaRef], Place | None]:
    if kind == "text":
        return message.child("text").opt_string("body") or "", [], None
    if kind in _MEDIA_TYPES:
        part = message.child(kind)
        media = MediaRef(
            kind=_MEDIA_TYPES[kind],
            provider_id=part.ident("id"),
            mime_type=part.opt_string("mime_type"),
            name=part.opt_string("filename"),
        )
        return part.opt_string("caption") or "", [media], None
    if kind == "location":
        where = message.child("location")
        name = ", ".join(filter(None, [where.opt_string("name"), where.opt_string("address")]))
        place = Place(
            name=name or None, lat=where.number("latitude"), lon=where.number("longitude")
        )
        return name, [], place
    if kind == "button":
        return message.child("button").opt_string("text") or "", [], None
    if kind == "interactive":
        interactive = message.child("interactive")
        chosen = interactive.opt_child("button_reply") or interactive.opt_child("list_reply")
        return (chosen.opt_string("title") or "") if chosen else "", [], None
    # contacts, order, unsupported...: nothing we can read as text; the raw payload keeps it.
    return "", [], None


def _read_status(status: Node, result: ParseResult, context: _Context) -> None:
    word = status.string("status")
    ours = status_from_provider(word)
    if ours is None:
        result.ignored.append(f"status.{word}")
        return
    errors = status.items("errors")
    first = errors[0] if errors else None
    result.statuses.append(
        DeliveryStatus(
            channel=Channel.WHATSAPP,
            channel_account=context.account,
            status=ours,
            at=from_epoch(status.number("timestamp"), f"{status.path}.timestamp"),
            provider_message_id=status.string("id"),
            error_code=first.opt_ident("code") if first else None,
            error_detail=(first.opt_string("title") or first.opt_string("message"))
            if first
            else None,
            raw=status.value,
        )
    )


@dataclass(frozen=True, repr=False)
class WhatsAppAccount:
    phone_number_id: str
    access_token: str
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"


def build_reply(
    target: ReplyTarget, text: str, *, account: WhatsAppAccount, idempotency_key: str
) -> ProviderRequest:
    """A text reply in the citizen's chat, quoting their message.

    WhatsApp accepts free text only within 24 hours of the citizen's last message; after that
    the provider refuses (error 131047) and a handler must use an approved template instead.
    """
    check_length(text, TEXT_LIMIT, "WhatsApp")
    body: dict[str, object] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": target.recipient_id.lstrip("+"),
        "type": "text",
        "text": {"preview_url": False, "body": text},
    }
    if target.in_reply_to:
        body["context"] = {"message_id": target.in_reply_to}
    url = join_url(account.base_url, account.api_version, account.phone_number_id, "messages")
    headers = {"Authorization": f"Bearer {account.access_token}"}
    return ProviderRequest("POST", url, idempotency_key, headers, json=body)


def read_reply_response(status_code: int, content: bytes) -> ReplyOutcome:
    body = json_body(content)
    if 200 <= status_code < 300:
        messages = body.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        message_id = first.get("id") if isinstance(first, dict) else None
        return sent(str(message_id) if message_id else None)
    return read_graph_error(status_code, body)
