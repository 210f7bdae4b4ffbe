"""X Activity API deliveries (webhook or stream): one event per `{"data": {...}}` envelope.

Envelope: `{"data": {"event_uuid", "filter": {"user_id" | "keyword", ...}, "event_type", "tag",
"payload": {...}, "includes": {"users", "tweets", ...}}}`. `filter.user_id` is the force's own
account (the subscription's user), so it is the channel account, as `for_user_id` is for
Account Activity: a post delivered by both APIs is stored once.

- `post.mention.create`, `post.reply.create`, `post.quote.create`, `post.repost.create`:
  `payload` is an API v2 post, read like any v2 post (`x_posts.v2_post_message`).
  `post.create` is the force's own post: ignored, like any post whose author is the force.
- `dm.received`, `dm.sent`: `payload` is `{"direct_message_events": [...], "users": {id:
  {"data": user}}}`, the legacy DM event. `dm.sent` by the force is its own outbound: never
  triaged, recorded as a `sent` status for that DM (see `x_dm.read_dm`).
- Anything else (likes, follows, profile updates, encrypted chat, Spaces, news, revokes) is
  ignored by name, not dead-lettered: it carries no citizen's words we can read.
"""

from __future__ import annotations

from datetime import datetime

from beacon.intake.payload import Node, collect
from beacon.intake.results import ParseResult
from beacon.intake.x_dm import EventContext, read_dm, users_by_id
from beacon.intake.x_posts import V2Includes, v2_author_id, v2_post_message

POST_EVENTS = (
    "post.mention.create",
    "post.reply.create",
    "post.quote.create",
    "post.repost.create",
    "post.create",
)
DM_EVENTS = ("dm.received", "dm.sent")


def is_activity_event(data: Node) -> bool:
    inner = data.value.get("data")
    return isinstance(inner, dict) and "event_type" in inner


def parse_activity_event(
    data: Node, channel_account: str | None, default_account: str, received: datetime
) -> ParseResult:
    event = data.child("data")
    kind = event.string("event_type")
    where = event.opt_child("filter")
    own = where.opt_ident("user_id") if where else None
    account = channel_account or own or default_account
    result = ParseResult()
    if kind in POST_EVENTS:
        includes = V2Includes(event)
        collect(result, event.child("payload"),
                lambda post, r: _read_post(post, r, includes, own, account, received))
    elif kind in DM_EVENTS:
        payload = event.child("payload")
        context = EventContext(own, account, received, users_by_id(payload.opt_child("users")))
        for dm in payload.items("direct_message_events"):
            collect(result, dm, lambda e, r: read_dm(e, r, context))
    else:
        result.ignored.append(f"activity.{kind[:60]}")
    return result


def _read_post(
    post: Node, result: ParseResult, includes: V2Includes, own: str | None, account: str,
    received: datetime,
) -> None:
    if own is not None and v2_author_id(post, includes, own) == own:
        result.ignored.append("post.own")
        return
    result.messages.append(v2_post_message(post, includes, account, received, own))
