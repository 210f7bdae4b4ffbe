"""Page feed changes (comments, visitor posts, shares) and Instagram comments and mentions.

Feed `value`: `{"item": "comment" | "post" | "status" | "photo" | "video" | "share" | ...,
"verb": "add" | "edited" | "remove" | ..., "from": {"id", "name"}, "post_id", "comment_id",
"parent_id", "message", "created_time", "link", "photos"}`. Instagram `comments` value:
`{"id", "text", "from": {"id", "username"}, "media": {"id"}, "parent_id"}`.
`group_feed` (a comment in the force's Facebook Group under a post the Page published): `{"from",
"group_id", "post_id", "comment_id", "parent_id", "message", "created_time", "item"?, "verb"?}`,
sent as a `changes` value or as an `entry.messaging` item; read like a feed comment.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from beacon.intake.payload import Node, build_message, from_epoch, from_epoch_ms, from_iso
from beacon.intake.results import ParseResult
from beacon.messages import Author, Channel, MediaRef

if TYPE_CHECKING:
    from beacon.intake.meta import Context

_POST_ITEMS = ("post", "status", "photo", "video", "share", "link")
_MEDIA_ITEMS = {"photo": "image", "video": "video"}


def read_change(
    field: str, value: Node, entry: Node, result: ParseResult, context: Context
) -> None:
    if field == "feed":
        _read_feed(value.string("item"), value.string("verb"), value, entry, result, context)
    elif field == "group_feed":
        read_group_feed(value, entry, result, context)
    else:
        _read_instagram_comment(field, value, entry, result, context)


def _created_at(value: Node, entry: Node) -> datetime:
    """Feed values carry `created_time` (epoch seconds, or ISO 8601); else the entry's time."""
    created = value.value.get("created_time")
    if isinstance(created, str) and not created.isdigit():
        return from_iso(created, f"{value.path}.created_time")
    if created is not None:
        return from_epoch(value.number("created_time"), f"{value.path}.created_time")
    time = entry.number("time")
    # Page entries give seconds, messaging entries milliseconds: tell them apart by size.
    return from_epoch_ms(time) if time > 100_000_000_000 else from_epoch(time)


def read_group_feed(value: Node, entry: Node, result: ParseResult, context: Context) -> None:
    """Meta's examples of group_feed do not always name `item` and `verb`: what it notifies is
    a comment being added, so those are the defaults."""
    item = value.opt_string("item") or "comment"
    verb = value.opt_string("verb") or "add"
    _read_feed(item, verb, value, entry, result, context, kind="group_feed")


def _read_feed(
    item: str, verb: str, value: Node, entry: Node, result: ParseResult, context: Context,
    kind: str = "feed",
) -> None:
    author = value.opt_child("from")
    if verb not in ("add", "edited") or (item != "comment" and item not in _POST_ITEMS):
        result.ignored.append(f"{kind}.{item}.{verb}")
        return
    if author is None or author.ident("id") == context.account:
        result.ignored.append(f"{kind}.{item}.own_or_anonymous")
        return
    post_id = value.ident("post_id")
    own_id = value.ident("comment_id") if item == "comment" else post_id
    created_at = _created_at(value, entry)
    if verb == "edited":  # an edit is a new version: keep it beside the original, not over it
        own_id = f"{own_id}@edited:{int(created_at.timestamp())}"
    parent = value.opt_ident("parent_id") if item == "comment" else None
    link = value.opt_string("link")
    result.messages.append(
        build_message(
            channel=Channel.FACEBOOK,
            channel_account=context.account,
            provider_message_id=own_id,
            author=Author(id=author.ident("id"), name=author.opt_string("name")),
            text=value.opt_string("message") or "",
            media=_feed_media(item, value, link),
            reply_to=(parent or post_id) if item == "comment" else None,
            thread_ref=post_id,
            shared_of=link if item == "share" and link and len(link) <= 256 else None,
            created_at=created_at,
            received_at=context.received_at,
            raw=value.value,
        )
    )


def _feed_media(item: str, value: Node, link: str | None) -> list[MediaRef]:
    media = [
        MediaRef(kind="image", url=photo.value)
        for photo in value.items("photos")
        if isinstance(photo.value, str)
    ]
    photo = value.opt_string("photo")  # comments with a picture carry it here
    if photo:
        media.append(MediaRef(kind="image", url=photo))
    if link and item in _MEDIA_ITEMS and not media:
        media.append(MediaRef(kind=_MEDIA_ITEMS[item], url=link))
    elif link and item in ("share", "link"):
        media.append(MediaRef(kind="link", url=link))
    return media


def _read_instagram_comment(
    field: str, value: Node, entry: Node, result: ParseResult, context: Context
) -> None:
    """Instagram `comments`/`live_comments`, and `mention` (the force tagged in a comment)."""
    author = value.opt_child("from")
    if field == "mention" or author is None:
        # Mentions carry only ids; their text must be fetched from the Graph API first.
        result.ignored.append(f"instagram.{field}")
        return
    if author.ident("id") == context.account:
        result.ignored.append(f"instagram.{field}.own")
        return
    media_id = value.child("media").ident("id")
    parent = value.opt_ident("parent_id")
    result.messages.append(
        build_message(
            channel=Channel.INSTAGRAM,
            channel_account=context.account,
            provider_message_id=value.ident("id"),
            author=Author(id=author.ident("id"), handle=_at(author.opt_string("username"))),
            text=value.opt_string("text") or "",
            reply_to=parent or media_id,
            thread_ref=media_id,
            created_at=_created_at(value, entry),
            received_at=context.received_at,
            raw=value.value,
        )
    )


def _at(username: str | None) -> str | None:
    return f"@{username}" if username else None
