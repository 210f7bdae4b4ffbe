"""Meta Graph webhooks: Messenger, Instagram messaging, and Page feed / Instagram comments.

Register `/webhooks/meta` as the callback URL of the Meta app. Meta first calls it with GET
`hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` (answer with `verify_subscription`),
then POSTs JSON signed with `X-Hub-Signature-256` (check with `verify` before `parse`).

Body shapes: `{"object": "page" | "instagram", "entry": [{"id": <page or IG account id>,
"time": ..., "messaging": [...]} | {..., "changes": [{"field": "feed" | "comments" |
"messages", "value": {...}}]}]}`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from beacon.intake import meta_feed
from beacon.intake.errors import PayloadUnsupported, VerificationError
from beacon.intake.payload import (
    DEFAULT_MAX_BYTES,
    Node,
    build_message,
    collect,
    from_epoch_ms,
    load_json,
    root,
)
from beacon.intake.results import DeliveryStatus, ParseResult
from beacon.intake.signatures import verify_hub_signature
from beacon.intake.status import ReplyStatus
from beacon.messages import Author, Channel, MediaRef, Place, utc_now

_CHANNELS = {"page": Channel.FACEBOOK, "instagram": Channel.INSTAGRAM}
# Messaging events we know and deliberately do not take in as citizen contact.
_IGNORED_EVENTS = (
    "reaction",
    "message_edit",
    "optin",
    "referral",
    "account_linking",
    "read_receipt",
)


@dataclass(frozen=True)
class Context:
    channel: Channel
    account: str
    received_at: datetime


def verify(raw_body: bytes, headers: Mapping[str, str], *, app_secret: str) -> None:
    verify_hub_signature(raw_body, headers, app_secret)


def verify_subscription(query: Mapping[str, str], verify_token: str) -> str:
    """Answer Meta's subscription handshake: the challenge to echo back as text/plain."""
    given = query.get("hub.verify_token", "")
    if query.get("hub.mode") != "subscribe" or not verify_token:
        raise VerificationError("not a subscription request, or no verify token configured")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        raise VerificationError("hub.verify_token does not match")
    challenge = query.get("hub.challenge", "")
    if not challenge:
        raise VerificationError("hub.challenge missing")
    return challenge


def parse(
    raw_body: bytes,
    *,
    channel_account: str | None = None,
    received_at: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """Messages, reply statuses and rejected items in one webhook delivery.

    `channel_account` defaults to the receiving page or Instagram account id (`entry.id`).
    """
    data = root(load_json(raw_body, max_bytes))
    kind = data.string("object")
    if kind not in _CHANNELS:
        raise PayloadUnsupported(f"object {kind[:40]!r} is not page or instagram", path="$.object")
    result = ParseResult()
    for entry in data.items("entry"):
        collect(result, entry, lambda e, r: _read_entry(e, r, kind, channel_account, received_at))
    return result


def _read_entry(
    entry: Node, result: ParseResult, kind: str, account: str | None, received: datetime | None
) -> None:
    context = Context(_CHANNELS[kind], account or entry.ident("id"), received or utc_now())
    for event in entry.items("messaging"):
        collect(result, event, lambda e, r: _read_messaging_item(e, r, entry, context))
    for change in entry.items("changes"):
        collect(result, change, lambda c, r: _read_change(c, r, entry, context))


def _read_change(change: Node, result: ParseResult, entry: Node, context: Context) -> None:
    field = change.string("field")
    value = change.child("value")
    if field == "messages":  # Instagram API with Instagram Login sends DMs as a change
        read_messaging(value, result, context)
    elif field in ("feed", "group_feed", "comments", "live_comments", "mention"):
        meta_feed.read_change(field, value, entry, result, context)
    else:
        result.ignored.append(f"change.{field}")


def _read_messaging_item(event: Node, result: ParseResult, entry: Node, context: Context) -> None:
    # Meta's group_feed example comes in `messaging` with no `sender`: a Group comment, not a DM.
    if event.opt_string("field") == "group_feed" or (
        not event.has("sender") and event.has("group_id")
    ):
        meta_feed.read_group_feed(event, entry, result, context)
    else:
        read_messaging(event, result, context)


def dm_thread(account: str, user_id: str) -> str:
    return f"dm:{account}:{user_id}"


def read_messaging(event: Node, result: ParseResult, context: Context) -> None:
    sender = event.child("sender").ident("id")
    at = from_epoch_ms(event.number("timestamp"), f"{event.path}.timestamp")
    if event.has("message"):
        _read_message(event, sender, at, result, context)
    elif event.has("postback"):
        _read_postback(event, sender, at, result, context)
    elif event.has("delivery"):
        _read_delivery(event.child("delivery"), at, result, context, sender)
    elif event.has("read"):
        watermark = event.child("read").opt_number("watermark")
        when = from_epoch_ms(watermark) if watermark else at
        result.statuses.append(_status(ReplyStatus.READ, when, context, None, sender, event))
    else:
        known = [name for name in _IGNORED_EVENTS if event.has(name)]
        result.ignored.append(f"messaging.{known[0] if known else 'unknown'}")


def _status(
    status: ReplyStatus, at: datetime, context: Context, mid: str | None, user: str, raw: Node
) -> DeliveryStatus:
    return DeliveryStatus(
        channel=context.channel,
        channel_account=context.account,
        status=status,
        at=at,
        provider_message_id=mid,
        thread_ref=dm_thread(context.account, user),
        raw=raw.value,
    )


def _read_delivery(
    delivery: Node, at: datetime, result: ParseResult, context: Context, user: str
) -> None:
    watermark = delivery.opt_number("watermark")
    when = from_epoch_ms(watermark) if watermark else at
    mids: list[str | None] = [m.value for m in delivery.items("mids") if isinstance(m.value, str)]
    for mid in mids or [None]:
        result.statuses.append(_status(ReplyStatus.DELIVERED, when, context, mid, user, delivery))


def _read_message(
    event: Node, sender: str, at: datetime, result: ParseResult, context: Context
) -> None:
    message = event.child("message")
    if message.flag("is_echo"):  # our own page's send, reflected back
        result.ignored.append("messaging.echo")
        return
    if message.flag("is_deleted") or message.flag("is_unsupported"):
        result.ignored.append("messaging.deleted_or_unsupported")
        return
    media, place, shared_of = read_attachments(message)
    reply = message.opt_child("reply_to")
    result.messages.append(
        build_message(
            channel=context.channel,
            channel_account=context.account,
            provider_message_id=message.string("mid"),
            author=Author(id=sender),
            text=message.opt_string("text") or "",
            media=media,
            place=place,
            shared_of=shared_of,
            reply_to=_replied_to(reply),
            thread_ref=dm_thread(context.account, sender),
            created_at=at,
            received_at=context.received_at,
            raw=event.value,
        )
    )


def _replied_to(reply: Node | None) -> str | None:
    if reply is None:
        return None
    story = reply.opt_child("story")  # Instagram: a reply to the force's story
    return reply.opt_string("mid") or (story.opt_ident("id") if story else None)


def _read_postback(
    event: Node, sender: str, at: datetime, result: ParseResult, context: Context
) -> None:
    """A tapped button ("Report something") is the citizen speaking, so it is a message."""
    postback = event.child("postback")
    mid = postback.opt_string("mid") or f"postback:{sender}:{int(at.timestamp() * 1000)}"
    result.messages.append(
        build_message(
            channel=context.channel,
            channel_account=context.account,
            provider_message_id=mid,
            author=Author(id=sender),
            text=postback.opt_string("title") or postback.opt_string("payload") or "",
            thread_ref=dm_thread(context.account, sender),
            created_at=at,
            received_at=context.received_at,
            raw=event.value,
        )
    )


_MEDIA_KINDS = {"image": "image", "video": "video", "audio": "audio", "file": "file"}


def read_attachments(message: Node) -> tuple[list[MediaRef], Place | None, str | None]:
    media: list[MediaRef] = []
    place: Place | None = None
    shared_of: str | None = None
    for attachment in message.items("attachments"):
        kind = attachment.string("type")
        payload = attachment.opt_child("payload") or Node({}, attachment.path)
        url = payload.opt_string("url")
        if kind == "location":
            coordinates = payload.child("coordinates")
            place = Place(lat=coordinates.number("lat"), lon=coordinates.number("long"))
        elif kind in ("ig_reel", "reel"):
            shared_of = payload.opt_ident("reel_video_id")
            media.append(MediaRef(kind="video", url=url, name=payload.opt_string("title")))
        elif kind in _MEDIA_KINDS:
            sticker = payload.opt_ident("sticker_id")
            media.append(MediaRef(kind="sticker" if sticker else _MEDIA_KINDS[kind], url=url))
        else:  # share, story_mention, fallback, template: a link to something elsewhere
            media.append(
                MediaRef(kind="link", url=url, name=attachment.opt_string("title") or kind)
            )
    return media, place, shared_of
