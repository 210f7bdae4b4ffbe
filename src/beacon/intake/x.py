"""X: the Account Activity and X Activity webhooks, API v2 post documents, and DM replies.

Register `/webhooks/x` as the webhook URL. X first sends GET `?crc_token=...` (answer with
`crc_response`), re-checks it periodically, and POSTs events signed with
`X-Twitter-Webhooks-Signature-OAuth2` (the app's OAuth 2.0 client secret) and/or the legacy
`x-twitter-webhooks-signature` (its consumer secret); `verify` checks them. Bodies:
Account Activity `{"for_user_id": ..., "tweet_create_events": [...] | "direct_message_events":
[...], "users": {...}}`; X Activity `{"data": {"event_type", "filter", "payload", "includes"}}`
(`x_activity`); API v2 documents (`{"data": post | [post], "includes": ...}`) from a poller or
a file. `parse` accepts all three, `parse_v2_lines` a JSON Lines file of v2 documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from beacon.intake.errors import IntakeError, PayloadUnsupported
from beacon.intake.outbound import (
    ProviderRequest,
    ReplyOutcome,
    ReplyTarget,
    check_length,
    failed,
    failure_from_http,
    join_url,
    json_body,
    sent,
)
from beacon.intake.payload import (
    DEFAULT_MAX_BYTES,
    Node,
    collect,
    ensure_size,
    load_json,
    root,
)
from beacon.intake.results import ParseResult, Rejection
from beacon.intake.signatures import verify_x_signature, x_crc_response
from beacon.intake.x_activity import is_activity_event, parse_activity_event
from beacon.intake.x_dm import EventContext, read_dm, read_mark_read, users_by_id
from beacon.intake.x_posts import V2Includes, v1_tweet_message, v2_post_message
from beacon.messages import utc_now

DEFAULT_V2_ACCOUNT = "x"  # v2 documents do not say which account polled them
TEXT_LIMIT = 10_000


def verify(
    raw_body: bytes, headers: Mapping[str, str], *, consumer_secret: str = "",
    client_secret: str = "",
) -> None:
    verify_x_signature(raw_body, headers, consumer_secret=consumer_secret,
                       client_secret=client_secret)


def crc_response(crc_token: str, *, consumer_secret: str) -> dict[str, str]:
    """The CRC answer, keyed with the secret `crc_secret` chose."""
    return x_crc_response(crc_token, consumer_secret)


def crc_secret(consumer_secret: str, client_secret: str) -> str:
    """X documents the CRC with the consumer secret; an app set up for OAuth 2.0 only has the
    client secret, so that is used when no consumer secret is configured."""
    return consumer_secret or client_secret


def parse(
    raw_body: bytes,
    *,
    channel_account: str | None = None,
    received_at: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """Account Activity events (account defaults to `for_user_id`), one X Activity event
    (account defaults to `filter.user_id`) or one API v2 document."""
    data = root(load_json(raw_body, max_bytes))
    received = received_at or utc_now()
    if data.has("for_user_id"):
        return _account_activity(data, channel_account, received)
    if is_activity_event(data):
        return parse_activity_event(data, channel_account, DEFAULT_V2_ACCOUNT, received)
    if data.has("data"):
        return parse_v2_document(data, channel_account or DEFAULT_V2_ACCOUNT, received)
    raise PayloadUnsupported("not an Account Activity, X Activity or API v2 document")


def _account_activity(data: Node, account: str | None, received: datetime) -> ParseResult:
    own = data.ident("for_user_id")
    context = EventContext(own, account or own, received, users_by_id(data.opt_child("users")))
    result = ParseResult()
    for tweet in data.items("tweet_create_events"):
        collect(result, tweet, lambda t, r: _read_tweet(t, r, context))
    for event in data.items("direct_message_events"):
        collect(result, event, lambda e, r: read_dm(e, r, context))
    for event in data.items("direct_message_mark_read_events"):
        collect(result, event, lambda e, r: read_mark_read(e, r, context))
    handled = (
        "for_user_id",
        "users",
        "tweet_create_events",
        "direct_message_events",
        "direct_message_mark_read_events",
        "apps",
        "user_has_blocked",
    )
    result.ignored.extend(key for key in data.value if key not in handled)
    return result


def _read_tweet(tweet: Node, result: ParseResult, context: EventContext) -> None:
    user = tweet.child("user")
    if (user.opt_ident("id_str") or user.ident("id")) == context.own:
        result.ignored.append("tweet.own")
        return
    result.messages.append(v1_tweet_message(tweet, context.account, context.received_at))


def parse_v2_document(data: Node, account: str, received: datetime) -> ParseResult:
    includes = V2Includes(data)
    posts = data.items("data") if isinstance(data.value.get("data"), list) else [data.child("data")]
    result = ParseResult()
    for post in posts:
        collect(
            result,
            post,
            lambda p, r: r.messages.append(
                v2_post_message(p, includes, account, received, own=account)
            ),
        )
    return result


def parse_v2_lines(
    raw: bytes,
    *,
    channel_account: str = DEFAULT_V2_ACCOUNT,
    received_at: datetime | None = None,
    max_bytes: int = 100 * DEFAULT_MAX_BYTES,
) -> ParseResult:
    """A file of API v2 documents, one per line (what a poller saves). Bad lines are rejected."""
    ensure_size(raw, max_bytes)
    result = ParseResult()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            result.merge(parse(line, channel_account=channel_account, received_at=received_at))
        except IntakeError as error:
            where = f"line {number}" + (f" {error.path}" if error.path else "")
            result.rejected.append(
                Rejection(error.code, error.reason, where, line.decode("utf-8", "replace"))
            )
    return result


def build_reply(
    target: ReplyTarget,
    text: str,
    *,
    access_token: str,
    idempotency_key: str,
    base_url: str = "https://api.x.com",
) -> ProviderRequest:
    """A direct message to the author (OAuth 2.0 user token of the force's account)."""
    check_length(text, TEXT_LIMIT, "X direct messages")
    url = join_url(base_url, "2/dm_conversations/with", target.recipient_id, "messages")
    headers = {"Authorization": f"Bearer {access_token}"}
    return ProviderRequest("POST", url, idempotency_key, headers, json={"text": text})


def read_reply_response(status_code: int, content: bytes) -> ReplyOutcome:
    body = json_body(content)
    if 200 <= status_code < 300:
        data = body.get("data")
        event_id = data.get("dm_event_id") if isinstance(data, dict) else None
        return sent(str(event_id) if event_id else None)
    detail = str(body.get("detail") or body.get("title") or f"HTTP {status_code}")
    if status_code == 403:  # e.g. the citizen does not accept DMs from us: not a credential fault
        return failed("x_forbidden", detail, retryable=False)
    return failure_from_http(status_code, f"http_{status_code}", detail)
