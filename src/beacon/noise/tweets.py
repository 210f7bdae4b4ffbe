"""Observations from rows of the batch command: CSV or JSONL records, possibly Twitter-shaped.

Twitter v1.1 JSON marks a retweet with `retweeted_status`, a quote with `quoted_status` (or
`quoted_status_id_str`), a reply with `in_reply_to_status_id_str`; v2 lists `referenced_tweets`
with types retweeted / quoted / replied_to. Rows without any of these still collapse by text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from beacon.noise.observation import Observation, ObservationError

# Twitter ids encode their creation time (milliseconds since this epoch, shifted by 22 bits).
_TWITTER_EPOCH_MS = 1288834974657
_V2_REFERENCE_FIELDS = {"retweeted": "shared_of", "quoted": "quote_of", "replied_to": "reply_to"}


def tweet_references(record: Mapping[str, Any]) -> dict[str, str]:
    """shared_of / quote_of / reply_to provider ids found in a Twitter-shaped record."""
    refs: dict[str, str] = {}
    _put(refs, "shared_of", _nested_id(record.get("retweeted_status")))
    _put(refs, "shared_of", _text_id(record.get("retweeted_status_id")))
    _put(refs, "quote_of", _nested_id(record.get("quoted_status")))
    _put(refs, "quote_of", _text_id(record.get("quoted_status_id_str")))
    _put(refs, "reply_to", _text_id(record.get("in_reply_to_status_id_str")))
    referenced = record.get("referenced_tweets")
    if isinstance(referenced, list):
        for reference in referenced:
            if isinstance(reference, Mapping):
                field = _V2_REFERENCE_FIELDS.get(str(reference.get("type")))
                if field:
                    _put(refs, field, _text_id(reference.get("id")))
    return refs


def observation_from_record(
    record: Mapping[str, Any],
    *,
    message_id: str,
    text: str,
    created_at: datetime | None = None,
    priority: int | None = None,
    fallback_time: datetime | None = None,
) -> Observation:
    """One observation from a batch row; the time falls back to the tweet id's own timestamp."""
    when = created_at or time_from_tweet_id(message_id) or fallback_time
    if when is None:
        raise ObservationError(f"row {message_id} has no time and its id does not encode one")
    user = record.get("user")
    author = _author_of(record, user)
    audience = user.get("followers_count") if isinstance(user, Mapping) else None
    return Observation(
        message_id=message_id,
        created_at=when,
        text=text,
        channel="x",
        author_id=author,
        priority=priority,
        audience=audience if isinstance(audience, int) else None,
        **tweet_references(record),
    )


def time_from_tweet_id(message_id: str) -> datetime | None:
    """The creation time encoded in a Twitter snowflake id (ids from late 2010 on)."""
    if not message_id.isdigit() or len(message_id) < 15:
        return None
    millis = (int(message_id) >> 22) + _TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _author_of(record: Mapping[str, Any], user: object) -> str:
    if isinstance(user, Mapping):
        return str(user.get("id_str") or user.get("id") or user.get("screen_name") or "")
    return str(record.get("author_id") or "")


def _nested_id(value: object) -> str | None:
    if isinstance(value, Mapping):
        return _text_id(value.get("id_str") or value.get("id"))
    return None


def _text_id(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _put(refs: dict[str, str], field: str, value: str | None) -> None:
    if value and field not in refs:
        refs[field] = value
