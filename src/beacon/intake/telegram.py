"""Telegram Bot API webhook updates, and replies with sendMessage.

Register with `setWebhook(url=https://<public>/webhooks/telegram, secret_token=<secret>)`;
Telegram then sends `X-Telegram-Bot-Api-Secret-Token: <secret>` with every update. Body: one
Update `{"update_id", "message" | "edited_message" | "channel_post" | ...}`; a Message is
`{"message_id", "from": {"id", "username", "first_name", "last_name", "language_code"},
"chat": {"id", "type"}, "date", "text" | "caption", "photo" | "document" | "voice" | "video" |
"sticker", "location", "venue", "reply_to_message", "forward_origin", "edit_date"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from beacon.intake.outbound import (
    ProviderRequest,
    ReplyOutcome,
    ReplyTarget,
    check_length,
    failed,
    failure_from_http,
    json_body,
    sent,
)
from beacon.intake.payload import (
    DEFAULT_MAX_BYTES,
    Node,
    build_message,
    from_epoch,
    load_json,
    model_errors,
    root,
)
from beacon.intake.results import ParseResult
from beacon.intake.signatures import TELEGRAM_HEADER, verify_secret_token
from beacon.messages import Author, Channel, MediaRef, Place, utc_now

TEXT_LIMIT = 4096
_MESSAGE_KEYS = ("message", "edited_message", "business_message", "edited_business_message")
_FILE_KINDS = {
    "document": "file",
    "voice": "audio",
    "audio": "audio",
    "video": "video",
    "video_note": "video",
    "animation": "video",
    "sticker": "sticker",
}


def verify(raw_body: bytes, headers: Mapping[str, str], *, secret_token: str) -> None:
    """Telegram sends the secret itself, not a MAC: the body is not covered by it."""
    verify_secret_token(headers, TELEGRAM_HEADER, secret_token)


def parse(
    raw_body: bytes,
    *,
    channel_account: str,
    received_at: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """One Update. `channel_account` is the bot's name: updates do not say which bot got them."""
    update = root(load_json(raw_body, max_bytes))
    update.ident("update_id")
    result = ParseResult()
    key = next((k for k in _MESSAGE_KEYS if update.has(k)), None)
    if key is None:
        kinds = [k for k in update.value if k != "update_id"]
        result.ignored.append(f"update.{kinds[0] if kinds else 'empty'}")
        return result
    with model_errors():
        _read_message(
            update.child(key),
            key.startswith("edited"),
            channel_account,
            received_at or utc_now(),
            result,
        )
    return result


def _read_message(
    message: Node, edited: bool, account: str, received: datetime, result: ParseResult
) -> None:
    chat_id = message.child("chat").ident("id")
    sender = message.opt_child("from")
    if sender is None or sender.flag("is_bot"):
        result.ignored.append("message.bot_or_anonymous")
        return
    # message_id is unique only within a chat; an edit is kept beside the original.
    own_id = f"{chat_id}:{message.ident('message_id')}"
    if edited:
        own_id += f"@edited:{message.ident('edit_date')}"
    replied = message.opt_child("reply_to_message")
    media, place = _attachments(message)
    result.messages.append(
        build_message(
            channel=Channel.TELEGRAM,
            channel_account=account,
            provider_message_id=own_id,
            author=_author(sender),
            text=message.opt_string("text") or message.opt_string("caption") or "",
            language=sender.opt_string("language_code"),
            media=media,
            place=place,
            reply_to=f"{chat_id}:{replied.ident('message_id')}" if replied else None,
            thread_ref=f"chat:{chat_id}",
            shared_of=_forwarded_from(message),
            created_at=from_epoch(message.number("date"), f"{message.path}.date"),
            received_at=received,
            raw=message.value,
        )
    )


def _author(sender: Node) -> Author:
    names = [sender.opt_string("first_name"), sender.opt_string("last_name")]
    username = sender.opt_string("username")
    return Author(
        id=sender.ident("id"),
        handle=f"@{username}" if username else None,
        name=" ".join(n for n in names if n) or None,
    )


def _attachments(message: Node) -> tuple[list[MediaRef], Place | None]:
    media = []
    photos = message.items("photo")
    if photos:  # sizes of one picture, smallest first: the largest is the one to keep
        media.append(MediaRef(kind="image", provider_id=photos[-1].ident("file_id")))
    for key, kind in _FILE_KINDS.items():
        part = message.opt_child(key)
        if part:
            media.append(
                MediaRef(
                    kind=kind,
                    provider_id=part.ident("file_id"),
                    mime_type=part.opt_string("mime_type"),
                    name=part.opt_string("file_name"),
                )
            )
    venue = message.opt_child("venue")
    location = venue.child("location") if venue else message.opt_child("location")
    place = None
    if location:
        name = (
            ", ".join(filter(None, [venue.opt_string("title"), venue.opt_string("address")]))
            if venue
            else None
        )
        place = Place(
            name=name or None, lat=location.number("latitude"), lon=location.number("longitude")
        )
    return media, place


def _forwarded_from(message: Node) -> str | None:
    """A forwarded channel post names its original; other forwards name no message."""
    origin = message.opt_child("forward_origin")
    if origin and origin.opt_string("type") == "channel":
        return f"{origin.child('chat').ident('id')}:{origin.ident('message_id')}"
    chat = message.opt_child("forward_from_chat")
    if chat and message.opt_ident("forward_from_message_id"):
        return f"{chat.ident('id')}:{message.ident('forward_from_message_id')}"
    return None


@dataclass(frozen=True, repr=False)
class TelegramBot:
    name: str
    token: str
    base_url: str = "https://api.telegram.org"


def build_reply(
    target: ReplyTarget, text: str, *, bot: TelegramBot, idempotency_key: str
) -> ProviderRequest:
    check_length(text, TEXT_LIMIT, "Telegram")
    chat_id = (target.thread_ref or "").removeprefix("chat:") or target.recipient_id
    body: dict[str, object] = {"chat_id": chat_id, "text": text}
    if target.in_reply_to and ":" in target.in_reply_to:
        message_id = target.in_reply_to.split(":", 1)[1].split("@", 1)[0]
        body["reply_parameters"] = {
            "message_id": int(message_id) if message_id.isdigit() else message_id,
            "allow_sending_without_reply": True,
        }
    url = f"{bot.base_url.rstrip('/')}/bot{bot.token}/sendMessage"
    # The token is part of Telegram's URL: mark it secret so logs show the URL masked.
    return ProviderRequest("POST", url, idempotency_key, json=body, secrets=(bot.token,))


def read_reply_response(status_code: int, content: bytes) -> ReplyOutcome:
    body = json_body(content)
    result = body.get("result")
    if body.get("ok") is True and isinstance(result, dict):
        chat = result.get("chat")
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        return sent(f"{chat_id}:{result.get('message_id')}" if chat_id else None)
    detail = str(body.get("description") or f"HTTP {status_code}")
    parameters = body.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if status_code == 429 or retry_after:
        return failed(
            "rate_limited",
            detail,
            retryable=True,
            retry_after=float(retry_after) if isinstance(retry_after, int) else None,
        )
    if status_code == 403:  # the citizen blocked the bot
        return failed("telegram_blocked", detail, retryable=False)
    return failure_from_http(status_code, f"http_{status_code}", detail)
