"""X: Account Activity (tweets, retweets, quotes, replies, DMs, read marks), API v2, replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from intake_fixtures import RECEIVED, fixture_bytes

from beacon.intake import x
from beacon.intake.errors import PayloadUnsupported, SignatureError
from beacon.intake.outbound import ReplyTarget
from beacon.intake.signatures import x_signature
from beacon.intake.status import ReplyStatus
from beacon.messages import Channel


def _parse(name: str, **kwargs):
    return x.parse(fixture_bytes("x", name), received_at=RECEIVED, **kwargs)


def test_verify_and_crc() -> None:
    body = fixture_bytes("x", "aaa_direct_message.json")
    x.verify(body, {"x-twitter-webhooks-signature": x_signature(body, "cs")}, consumer_secret="cs")
    for raw, headers in [
        (body, {}),
        (body, {"x-twitter-webhooks-signature": x_signature(body, "other")}),
        (
            body.replace(b"Gledhow", b"Gledhoe"),
            {"x-twitter-webhooks-signature": x_signature(body, "cs")},
        ),
    ]:
        with pytest.raises(SignatureError):
            x.verify(raw, headers, consumer_secret="cs")
    assert x.crc_response("tok", consumer_secret="cs")["response_token"].startswith("sha256=")


def test_reply_tweet_with_place_and_our_own_tweet_ignored() -> None:
    result = _parse("aaa_tweet_reply.json")
    [tweet] = result.messages
    assert tweet.channel is Channel.X and tweet.channel_account == "1450000000000000001"
    assert tweet.author.id == "1300000000000000042" and tweet.author.handle == "@leanne_ls8"
    assert tweet.reply_to == "1862099999999999900"
    assert tweet.thread_ref == "tweet:1862099999999999900"
    assert tweet.created_at == datetime(2024, 11, 28, 10, 15, 30, tzinfo=UTC)
    assert tweet.place and tweet.place.name == "Leeds, England" and tweet.place.lat == 53.8206
    assert tweet.language == "en"
    assert result.ignored == ["tweet.own"]


def test_retweet_and_quote_share_the_original() -> None:
    retweet, quote = _parse("aaa_retweet_quote.json").messages
    assert retweet.shared_of == quote.shared_of == "1861860000000000001"
    assert quote.media[0].kind == "image" and quote.media[0].provider_id == "1862110000000000999"


def test_direct_message_with_users_and_our_echo_ignored() -> None:
    result = _parse("aaa_direct_message.json")
    [dm] = result.messages
    assert dm.author.name == "Leanne Firth" and dm.author.handle == "@leanne_ls8"
    assert dm.thread_ref == "dm:1300000000000000042-1450000000000000001"
    assert dm.created_at == datetime.fromtimestamp(1732791600, UTC)
    assert result.ignored == ["dm.own"]


def test_mark_read_is_a_status_and_favorites_are_ignored() -> None:
    result = _parse("aaa_mark_read_and_favorite.json")
    [read] = result.statuses
    assert read.status is ReplyStatus.READ and read.provider_message_id == "1862120000000000302"
    assert result.ignored == ["favorite_events"]


def test_v2_document_retweet_quote_reply() -> None:
    retweet, quote, reply = _parse("v2_posts.json", channel_account="ExamplePolice").messages
    assert retweet.shared_of == quote.shared_of == "1861860000000000001"
    assert retweet.author.handle == "@chapeltown_cc"
    assert quote.media[0].url == "https://pbs.twimg.com/media/GdXyZ2.jpg"
    assert quote.place and quote.place.name == "Leeds, England"
    assert reply.reply_to == "1862120000000000000"
    assert reply.thread_ref == "conversation:1862120000000000000"
    assert reply.place and (reply.place.lat, reply.place.lon) == (53.8191, -1.5098)
    assert reply.created_at == datetime(2024, 11, 28, 12, 10, tzinfo=UTC)
    assert reply.channel_account == "ExamplePolice"


def test_v2_lines_file_keeps_good_lines_and_rejects_bad_ones() -> None:
    raw = fixture_bytes("x", "v2_posts.jsonl") + b"not json\n"
    result = x.parse_v2_lines(raw, channel_account="ExamplePolice")
    assert len(result.messages) == 3
    assert len(result.rejected) == 2
    assert result.rejected[1].path == "line 5"


def test_unknown_documents_are_unsupported() -> None:
    with pytest.raises(PayloadUnsupported):
        x.parse(b'{"hello": "world"}')


def test_dm_reply_request_and_responses() -> None:
    [dm] = _parse("aaa_direct_message.json").messages
    request = x.build_reply(
        ReplyTarget.for_message(dm),
        "Are you safe right now?",
        access_token="user-token",
        idempotency_key="k",
        base_url="http://fake-x",
    )
    assert request.url == "http://fake-x/2/dm_conversations/with/1300000000000000042/messages"
    assert request.json == {"text": "Are you safe right now?"}
    ok = x.read_reply_response(201, b'{"data": {"dm_conversation_id": "1-2", "dm_event_id": "77"}}')
    assert ok.ok and ok.provider_message_id == "77"
    closed = x.read_reply_response(403, b'{"detail": "You cannot send messages to this user"}')
    assert closed.error_code == "x_forbidden" and not closed.retryable
    assert x.read_reply_response(429, b"{}").retryable


def test_verify_accepts_the_oauth2_header_and_keeps_the_consumer_secret_one() -> None:
    body = fixture_bytes("x", "xaa_mention.json")
    oauth2 = {"X-Twitter-Webhooks-Signature-OAuth2": x_signature(body, "client")}
    x.verify(body, oauth2, consumer_secret="cs", client_secret="client")
    x.verify(body, {"x-twitter-webhooks-signature": x_signature(body, "cs")},
             consumer_secret="cs", client_secret="client")
    with pytest.raises(SignatureError):
        x.verify(body, oauth2, consumer_secret="cs")  # no client secret configured
    assert x.crc_secret("", "client") == "client" and x.crc_secret("cs", "client") == "cs"


def test_activity_mention_is_a_message_for_the_filtered_account() -> None:
    result = _parse("xaa_mention.json")
    [mention] = result.messages
    assert mention.channel is Channel.X and mention.channel_account == "1450000000000000001"
    assert mention.provider_message_id == "1862140000000000501"
    assert mention.author.id == "1300000000000000111" and mention.author.handle == "@dee_ls9"
    assert mention.author.name == "Dee Wainwright"
    assert "car on its roof" in mention.text
    assert mention.thread_ref == "conversation:1862140000000000501"
    assert mention.created_at == datetime(2024, 11, 28, 12, 20, tzinfo=UTC)
    assert result.complete and not result.ignored


def test_activity_reply_names_the_post_it_answers() -> None:
    [reply] = _parse("xaa_reply.json").messages
    assert reply.reply_to == "1861860000000000001"
    assert reply.thread_ref == "conversation:1861860000000000001"
    assert reply.author.handle == "@omar_h"


def test_activity_quote_without_author_id_takes_the_one_other_user() -> None:
    # includes.users wrapped as {"data": user}, as the Activity API sends some of them.
    [quote] = _parse("xaa_quote_without_author_id.json").messages
    assert quote.shared_of == "1861860000000000001"
    assert quote.author.id == "1300000000000000077" and quote.author.handle == "@chapeltown_cc"


def test_a_v2_post_without_author_id_or_users_has_an_unknown_author_of_its_own() -> None:
    body = b'{"data": {"id": "1862140000000000801", "text": "fight outside the Hope Inn"}}'
    [post] = x.parse(body, channel_account="ExamplePolice", received_at=RECEIVED).messages
    assert post.author.id == "x-unknown:1862140000000000801" and post.author.handle is None
    assert post.created_at == RECEIVED


def test_activity_dm_received_is_a_message_with_its_sender_named() -> None:
    result = _parse("xaa_dm_received.json")
    [dm] = result.messages
    assert dm.provider_message_id == "1862140000000000601"
    assert dm.channel_account == "1450000000000000001"
    assert dm.author.handle == "@leanne_ls8" and dm.author.name == "Leanne Firth"
    assert dm.thread_ref == "dm:1300000000000000042-1450000000000000001"
    assert dm.created_at == datetime.fromtimestamp(1732797000, UTC)


def test_activity_dm_sent_by_the_force_is_never_triaged_but_confirms_the_send() -> None:
    result = _parse("xaa_dm_sent.json")
    assert result.messages == [] and result.ignored == ["dm.own"]
    [sent] = result.statuses
    assert sent.status is ReplyStatus.SENT and sent.provider_message_id == "1862140000000000602"
    assert sent.thread_ref == "dm:1300000000000000042-1450000000000000001"


def test_other_activity_events_are_ignored_by_name_not_dead_lettered() -> None:
    result = _parse("xaa_follow.json")
    assert result.complete and result.messages == [] and result.ignored == ["activity.follow.follow"]


def test_the_forces_own_post_is_ignored() -> None:
    event = json.loads(fixture_bytes("x", "xaa_mention.json"))
    event["data"]["event_type"] = "post.create"
    event["data"]["payload"]["author_id"] = "1450000000000000001"
    result = x.parse(json.dumps(event).encode(), received_at=RECEIVED)
    assert result.messages == [] and result.ignored == ["post.own"]


def test_v1_retweet_and_quote_keep_the_whole_text_not_the_truncated_one() -> None:
    retweet, quote = _parse("aaa_retweet_extended.json").messages
    assert retweet.text == (
        "RT @ExamplePolice: MISSING: Have you seen 14-year-old Jayden? He was last seen in "
        "Chapeltown on Tuesday evening wearing a black North Face jacket, grey joggers and white "
        "trainers. Call 101 quoting log 1234."
    )
    assert retweet.shared_of == "1861860000000000002"
    assert quote.text.endswith("with two older lads heading towards town")
    assert "…" not in quote.text and quote.shared_of == "1861860000000000002"


def test_a_v2_post_without_author_id_never_takes_a_mentioned_user_as_its_author() -> None:
    # Only the mentions were expanded: @bob is in includes.users but did not write the post.
    body = json.dumps({
        "data": {"id": "1862140000000000802", "text": "@ExamplePolice @bob_ls6 took my bike"},
        "includes": {"users": [
            {"id": "1450000000000000001", "username": "ExamplePolice"},
            {"id": "1300000000000000123", "username": "bob_ls6"},
        ]},
    }).encode()
    [post] = x.parse(body, channel_account="ExamplePolice", received_at=RECEIVED).messages
    assert post.author.id == "x-unknown:1862140000000000802"
    with_author = json.loads(body)
    with_author["includes"]["users"].append({"id": "1300000000000000124", "username": "jo_ls6"})
    [post] = x.parse(json.dumps(with_author).encode(), channel_account="ExamplePolice",
                     received_at=RECEIVED).messages
    assert post.author.id == "1300000000000000124" and post.author.handle == "@jo_ls6"
