"""X direct messages: the legacy `message_create` event, shared by Account Activity and the
X Activity API (`dm.received`, `dm.sent`), which wrap it differently.

Event: `{"type": "message_create", "id", "created_timestamp", "message_create": {"sender_id",
"target": {"recipient_id"}, "message_data": {"text", "attachment": {"media": {...}}}}}`.
The users beside it are keyed by id: Account Activity gives v1.1 users (`screen_name`), the
Activity API v2 users wrapped as `{"data": {"username", "name", ...}}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from beacon.intake.payload import Node, build_message, from_epoch_ms
from beacon.intake.results import DeliveryStatus, ParseResult
from beacon.intake.status import ReplyStatus
from beacon.intake.x_posts import MEDIA_KINDS, handle, unwrap_user
from beacon.messages import Author, Channel, MediaRef


@dataclass(frozen=True)
class EventContext:
    """What a delivery says about where its events belong (tweets and DMs alike)."""

    own: str | None  # the force's account id, when the delivery names it
    account: str  # the channel account the messages are stored under
    received_at: datetime
    users: dict[str, Node]


def users_by_id(users: Node | None) -> dict[str, Node]:
    if users is None:
        return {}
    return {key: unwrap_user(users.child(key)) for key in users.value}


def dm_thread(first: str, second: str) -> str:
    """X's one-to-one conversation id is the two user ids, smaller first."""
    low, high = sorted((first, second), key=lambda v: (len(v), v))
    return f"dm:{low}-{high}"


def read_dm(event: Node, result: ParseResult, context: EventContext) -> None:
    if event.string("type") != "message_create":
        result.ignored.append(f"dm.{event.string('type')}")
        return
    create = event.child("message_create")
    sender = create.ident("sender_id")
    if sender == context.own:
        _own_dm(event, create, result, context)
        return
    data = create.child("message_data")
    user = context.users.get(sender)
    result.messages.append(
        build_message(
            channel=Channel.X,
            channel_account=context.account,
            provider_message_id=event.ident("id"),
            author=Author(
                id=sender,
                handle=handle(_screen_name(user)),
                name=user.opt_string("name") if user else None,
            ),
            text=data.opt_string("text") or "",
            media=_dm_media(data),
            thread_ref=dm_thread(sender, create.child("target").ident("recipient_id")),
            created_at=from_epoch_ms(event.number("created_timestamp")),
            received_at=context.received_at,
            raw=event.value,
        )
    )


def _own_dm(event: Node, create: Node, result: ParseResult, context: EventContext) -> None:
    """The force's own DM (our reply echoed back, or one a handler sent from X itself).

    Not citizen contact, so never triaged. It does prove the DM reached X: a `sent` status
    for that event id moves the matching outbox reply forward (forward only, so a later
    `read` is never undone).
    """
    result.ignored.append("dm.own")
    result.statuses.append(
        DeliveryStatus(
            channel=Channel.X,
            channel_account=context.account,
            status=ReplyStatus.SENT,
            at=from_epoch_ms(event.number("created_timestamp")),
            provider_message_id=event.ident("id"),
            thread_ref=dm_thread(create.ident("sender_id"),
                                 create.child("target").ident("recipient_id")),
            raw=event.value,
        )
    )


def _screen_name(user: Node | None) -> str | None:
    if user is None:
        return None
    return user.opt_string("screen_name") or user.opt_string("username")


def _dm_media(data: Node) -> list[MediaRef]:
    attachment = data.opt_child("attachment")
    media = attachment.opt_child("media") if attachment else None
    if media is None:
        return []
    kind = MEDIA_KINDS.get(media.opt_string("type") or "photo", "file")
    url = media.opt_string("media_url_https")
    return [MediaRef(kind=kind, url=url, provider_id=media.opt_ident("id_str"))]


def read_mark_read(event: Node, result: ParseResult, context: EventContext) -> None:
    reader = event.ident("sender_id")
    other = event.child("target").ident("recipient_id")
    result.statuses.append(
        DeliveryStatus(
            channel=Channel.X,
            channel_account=context.account,
            status=ReplyStatus.READ,
            at=from_epoch_ms(event.number("created_timestamp")),
            provider_message_id=event.opt_ident("last_read_event_id"),
            thread_ref=dm_thread(reader, other),
            raw=event.value,
        )
    )
