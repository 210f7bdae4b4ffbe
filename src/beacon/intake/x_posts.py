"""X posts and DMs turned into messages: API v1.1 objects (Account Activity) and API v2 documents.

v1.1 tweet: `id_str, text | full_text | extended_tweet.full_text, user{id_str, screen_name, name},
created_at "Wed Oct 10 20:19:24 +0000 2018", in_reply_to_status_id_str, retweeted_status,
quoted_status_id_str, place{full_name}, coordinates{coordinates: [lon, lat]},
extended_entities.media[]`.
v2 document: `{"data": post | [post], "includes": {"users", "media", "places", "tweets"}}`, post:
`id, text, author_id, created_at, conversation_id, referenced_tweets[{type, id}], attachments
{media_keys}, geo{place_id, coordinates}, lang, note_tweet{text}`. The X Activity API wraps some
users as `{"data": {...}}`; `unwrap_user` reads both.

A v1.1 retweet's own `text` is "RT @name: " plus the original cut to 140 characters; the whole
original is in `retweeted_status` (its `extended_tweet.full_text` when it is long), so the
retweet's text is rebuilt from it. A v2 post without `author_id` (a poller that did not ask for
the field) takes its author from its copy in `includes.tweets`, else the one user in
`includes.users` who is neither the force nor anyone the post @-mentions (mentioned users are
expanded into `includes` too, and naming a mentioned person as the author would be worse than
naming nobody), else `x-unknown:<post id>`: one identity per post, so unknown authors are never
linked to each other.
"""

from __future__ import annotations

import re
from datetime import datetime

from beacon.intake.errors import PayloadMalformed
from beacon.intake.payload import Node, build_message, from_epoch_ms, from_iso
from beacon.messages import Author, Channel, InboundMessage, MediaRef, Place

MEDIA_KINDS = {"photo": "image", "video": "video", "animated_gif": "video"}
_AT_NAME = re.compile(r"@(\w{1,50})")


def v1_time(text: str, path: str) -> datetime:
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        raise PayloadMalformed(f"not an X timestamp: {text[:40]!r}", path=path) from None


def handle(screen_name: str | None) -> str | None:
    return f"@{screen_name}" if screen_name else None


def language(code: str | None) -> str | None:
    return code if code and code not in ("und", "qme", "zxx") else None


def unwrap_user(user: Node) -> Node:
    inner = user.opt_child("data") if isinstance(user.value, dict) else None
    return inner if inner is not None and inner.has("id") else user


def _v1_full_text(tweet: Node) -> str:
    extended = tweet.opt_child("extended_tweet")
    if extended and extended.opt_string("full_text"):
        return extended.string("full_text")
    return tweet.opt_string("full_text") or tweet.opt_string("text") or ""


def _v1_text(tweet: Node) -> str:
    retweeted = tweet.opt_child("retweeted_status")
    if retweeted is None:
        return _v1_full_text(tweet)
    original = _v1_full_text(retweeted)
    name = retweeted.child("user").opt_string("screen_name")
    return f"RT @{name}: {original}" if name else original


def _v1_media(tweet: Node) -> list[MediaRef]:
    entities = tweet.opt_child("extended_entities") or tweet.opt_child("entities")
    media = []
    for item in entities.items("media") if entities else []:
        media.append(
            MediaRef(
                kind=MEDIA_KINDS.get(item.opt_string("type") or "photo", "file"),
                url=item.opt_string("media_url_https") or item.opt_string("media_url"),
                provider_id=item.opt_ident("id_str") or item.opt_ident("id"),
            )
        )
    return media


def _v1_place(tweet: Node) -> Place | None:
    place = tweet.opt_child("place")
    point = tweet.opt_child("coordinates")
    lon_lat = [c.value for c in point.items("coordinates")] if point else []
    if len(lon_lat) == 2 and all(isinstance(v, (int, float)) for v in lon_lat):
        name = place.opt_string("full_name") if place else None
        return Place(name=name, lat=lon_lat[1], lon=lon_lat[0])
    if place and place.opt_string("full_name"):
        return Place(name=place.string("full_name"))
    return None


def v1_tweet_message(tweet: Node, account: str, received_at: datetime) -> InboundMessage:
    user = tweet.child("user")
    tweet_id = tweet.opt_ident("id_str") or tweet.ident("id")
    retweeted = tweet.opt_child("retweeted_status")
    shared = (retweeted.opt_ident("id_str") or retweeted.ident("id")) if retweeted else None
    reply_to = tweet.opt_ident("in_reply_to_status_id_str")
    created = tweet.opt_string("created_at")
    return build_message(
        channel=Channel.X,
        channel_account=account,
        provider_message_id=tweet_id,
        author=Author(
            id=user.opt_ident("id_str") or user.ident("id"),
            handle=handle(user.opt_string("screen_name")),
            name=user.opt_string("name"),
        ),
        text=_v1_text(tweet),
        language=language(tweet.opt_string("lang")),
        media=_v1_media(tweet),
        reply_to=reply_to,
        # v1.1 has no conversation id; the post replied to is the nearest thread we can name.
        thread_ref=f"tweet:{reply_to or tweet_id}",
        shared_of=shared or tweet.opt_ident("quoted_status_id_str"),
        place=_v1_place(tweet),
        created_at=v1_time(created, f"{tweet.path}.created_at")
        if created
        else from_epoch_ms(tweet.number("timestamp_ms")),
        received_at=received_at,
        raw=tweet.value,
    )


class V2Includes:
    """The `includes` block of a v2 document, indexed by id / media_key."""

    def __init__(self, document: Node) -> None:
        includes = document.opt_child("includes") or Node({}, "$.includes")
        self.users = _index(includes, "users", "id")
        self.media = _index(includes, "media", "media_key")
        self.places = _index(includes, "places", "id")
        self.tweets = _index(includes, "tweets", "id")


def _index(includes: Node, key: str, id_field: str) -> dict[str, Node]:
    found = {}
    for item in includes.items(key):
        if not isinstance(item.value, dict):
            continue
        item = unwrap_user(item) if key == "users" else item
        if item.opt_ident(id_field):
            found[item.ident(id_field)] = item
    return found


def v2_author_id(post: Node, includes: V2Includes, own: str | None = None) -> str:
    """The post's author; see the module note for the fallbacks when `author_id` is missing.
    `own` is the force's account, by id or by username."""
    given = post.opt_ident("author_id")
    if given:
        return given
    post_id = post.ident("id")
    copy = includes.tweets.get(post_id)
    if copy is not None and copy.opt_ident("author_id"):
        return copy.ident("author_id")
    not_author = _mentioned(post) | {(own or "").lower()}
    others = [
        user_id for user_id, user in includes.users.items()
        if user_id.lower() not in not_author
        and (user.opt_string("username") or "").lower() not in not_author
    ]
    return others[0] if len(others) == 1 else f"x-unknown:{post_id}"


def _mentioned(post: Node) -> set[str]:
    """Who the post @-mentions, lower-cased: usernames and ids from its entities, and any
    @name in its text (a poller may not have asked for entities)."""
    names = {name.lower() for name in _AT_NAME.findall(post.opt_string("text") or "")}
    entities = post.opt_child("entities")
    for mention in entities.items("mentions") if entities else []:
        if isinstance(mention.value, dict):
            names.update(str(mention.value.get(key, "")).lower() for key in ("username", "id"))
    return names - {""}


def v2_post_message(
    post: Node, includes: V2Includes, account: str, received_at: datetime,
    own: str | None = None,
) -> InboundMessage:
    author_id = v2_author_id(post, includes, own)
    user = includes.users.get(author_id)
    references = {ref.string("type"): ref.ident("id") for ref in post.items("referenced_tweets")}
    note = post.opt_child("note_tweet")  # posts over 280 characters carry the full text here
    created = post.opt_string("created_at")
    return build_message(
        channel=Channel.X,
        channel_account=account,
        provider_message_id=post.ident("id"),
        author=Author(
            id=author_id,
            handle=handle(user.opt_string("username")) if user else None,
            name=user.opt_string("name") if user else None,
        ),
        text=(note.opt_string("text") if note else None) or post.opt_string("text") or "",
        language=language(post.opt_string("lang")),
        media=_v2_media(post, includes),
        reply_to=references.get("replied_to"),
        thread_ref=f"conversation:{post.opt_ident('conversation_id') or post.ident('id')}",
        shared_of=references.get("retweeted") or references.get("quoted"),
        place=_v2_place(post, includes),
        created_at=from_iso(created, f"{post.path}.created_at") if created else received_at,
        received_at=received_at,
        raw=post.value,
    )


def _v2_media(post: Node, includes: V2Includes) -> list[MediaRef]:
    attachments = post.opt_child("attachments")
    media = []
    for key in attachments.items("media_keys") if attachments else []:
        item = includes.media.get(str(key.value))
        kind = item.opt_string("type") if item else None
        media.append(
            MediaRef(
                kind=MEDIA_KINDS.get(kind or "", "file"),
                url=(item.opt_string("url") or item.opt_string("preview_image_url"))
                if item
                else None,
                provider_id=str(key.value),
            )
        )
    return media


def _v2_place(post: Node, includes: V2Includes) -> Place | None:
    geo = post.opt_child("geo")
    if geo is None:
        return None
    place = includes.places.get(geo.opt_ident("place_id") or "")
    name = place.opt_string("full_name") if place else None
    point = geo.opt_child("coordinates")
    lon_lat = [c.value for c in point.items("coordinates")] if point else []
    if len(lon_lat) == 2 and all(isinstance(v, (int, float)) for v in lon_lat):
        return Place(name=name, lat=lon_lat[1], lon=lon_lat[0])
    return Place(name=name) if name else None
