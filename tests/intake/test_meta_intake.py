"""Meta webhooks: the handshake, Messenger, Instagram messaging, Page feed and IG comments."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from intake_fixtures import RECEIVED, fixture_bytes

from beacon.intake import meta, meta_reply
from beacon.intake.errors import (
    PayloadMalformed,
    PayloadUnsupported,
    SignatureError,
    VerificationError,
)
from beacon.intake.outbound import ReplyTarget, send
from beacon.intake.signatures import hub_signature
from beacon.intake.status import ReplyStatus
from beacon.messages import Channel


def _parse(name: str, **kwargs):
    return meta.parse(fixture_bytes("meta", name), received_at=RECEIVED, **kwargs)


def test_subscription_handshake_echoes_the_challenge() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert meta.verify_subscription(query, "tok") == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok"},
    ],
)
def test_subscription_handshake_refusals(query: dict[str, str]) -> None:
    with pytest.raises(VerificationError):
        meta.verify_subscription(query, "tok")


def test_verify_checks_the_raw_body() -> None:
    body = fixture_bytes("meta", "messenger_text.json")
    meta.verify(body, {"X-Hub-Signature-256": hub_signature(body, "s")}, app_secret="s")
    with pytest.raises(SignatureError):
        meta.verify(body + b" ", {"X-Hub-Signature-256": hub_signature(body, "s")}, app_secret="s")


def test_messenger_text_message() -> None:
    result = _parse("messenger_text.json")
    assert result.complete and len(result.messages) == 1
    message = result.messages[0]
    assert message.channel is Channel.FACEBOOK
    assert message.channel_account == "104857600000001"
    assert message.author.id == "6677889900112233"
    assert "Harehills Lane LS8 3QE" in message.text
    assert message.thread_ref == "dm:104857600000001:6677889900112233"
    assert message.created_at == datetime(2024, 11, 28, 9, 39, 59, tzinfo=UTC)
    assert message.received_at == RECEIVED
    assert message.raw["message"]["mid"] == message.provider_message_id


def test_channel_account_can_be_set_by_the_caller() -> None:
    result = _parse("messenger_text.json", channel_account="west-yorks-page")
    assert result.messages[0].channel_account == "west-yorks-page"


def test_messenger_reply_with_image_and_location_and_echo_ignored() -> None:
    result = _parse("messenger_image_reply_location.json")
    [message] = result.messages
    assert message.reply_to == "m_AG5Hz2Uq7qDEzHrS0Ys1jUq3CxaD8X4tG9Fh2vK1PqRsT"
    assert [m.kind for m in message.media] == ["image"]
    assert message.place and (message.place.lat, message.place.lon) == (53.8142, -1.5163)
    assert result.ignored == ["messaging.echo"]


def test_messenger_delivery_and_read_become_statuses() -> None:
    result = _parse("messenger_delivery_read.json")
    assert not result.messages
    delivered, read = result.statuses
    assert delivered.status is ReplyStatus.DELIVERED
    assert delivered.provider_message_id == "m_reply_from_beacon_0001"
    assert read.status is ReplyStatus.READ and read.provider_message_id is None
    assert read.thread_ref == "dm:104857600000001:6677889900112233"


def test_messenger_postback_is_a_message() -> None:
    [message] = _parse("messenger_postback.json").messages
    assert message.text == "Report something that is not an emergency"
    assert message.provider_message_id == "m_postback_000111222333"


def test_instagram_dm_story_reply_and_reel_share() -> None:
    result = _parse("instagram_dm.json")
    first, second = result.messages
    assert first.channel is Channel.INSTAGRAM
    assert first.reply_to == "17900000000000001"
    assert second.shared_of == "18000000000000009"
    assert [m.kind for m in second.media] == ["video", "link"]


def test_instagram_comment() -> None:
    [message] = _parse("instagram_comment.json").messages
    assert message.author.handle == "@roundhay_resident"
    assert message.thread_ref == "17855555555555555"
    assert message.reply_to == "17865799348089000"
    assert message.created_at == datetime.fromtimestamp(1732787300, UTC)


def test_page_feed_comments_skip_our_own_and_reactions() -> None:
    result = _parse("page_feed_comment.json")
    janet, dev = result.messages
    assert janet.provider_message_id == "998877665544_1122334455"
    assert janet.reply_to == janet.thread_ref == "104857600000001_998877665544"
    assert janet.author.name == "Janet Holroyd"
    assert dev.reply_to == "998877665544_1122334455"
    assert sorted(result.ignored) == ["feed.comment.own_or_anonymous", "feed.reaction.add"]


def test_group_feed_comment_in_messaging_is_a_facebook_message() -> None:
    # Meta's documented group_feed shape: an entry.messaging item with `from`, no `sender`.
    result = _parse("group_feed_comment.json")
    [carol] = result.messages
    assert result.complete
    assert carol.channel is Channel.FACEBOOK and carol.channel_account == "104857600000001"
    assert carol.provider_message_id == "998877665555_2233445566"
    assert carol.author.id == "5566778899002211" and carol.author.name == "Carol Ashworth"
    assert carol.reply_to == carol.thread_ref == "223344556677889_998877665555"
    assert "Kirkstall Lane" in carol.text
    assert carol.created_at == datetime.fromtimestamp(1732789999, UTC)


def test_group_feed_as_a_change_without_item_or_verb_is_a_reply_in_its_thread() -> None:
    result = _parse("group_feed_change.json")
    [pete] = result.messages
    assert result.complete and not result.ignored
    assert pete.reply_to == "998877665555_2233445566"
    assert pete.thread_ref == "223344556677889_998877665555"


def test_page_feed_visitor_posts_edits_and_shares() -> None:
    photo, status, edited, share = _parse("page_feed_visitor_post.json").messages
    assert photo.media[0].kind == "image" and "Oakwood Lane" in photo.text
    assert status.provider_message_id == status.thread_ref == "104857600000001_990000000000200"
    assert edited.provider_message_id.startswith("104857600000001_990000000000200@edited:")
    assert "silver Corsa" in edited.text
    assert share.shared_of == "https://www.facebook.com/leedsnews/posts/pfbid0missingperson"


def test_one_bad_event_is_rejected_and_its_neighbours_kept() -> None:
    body = (
        b'{"object":"page","entry":[{"id":"1","time":1,"messaging":['
        b'{"sender":{"id":"2"},"timestamp":1700000000000,"message":{"mid":"m1","text":"ok"}},'
        b'{"sender":{"id":"2"},"timestamp":"soon","message":{"mid":"m2"}}]}]}'
    )
    result = meta.parse(body)
    assert [m.provider_message_id for m in result.messages] == ["m1"]
    assert not result.complete and result.rejected[0].code == "payload_malformed"
    assert result.rejected[0].path and "timestamp" in result.rejected[0].path


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", PayloadMalformed),
        (b"[]", PayloadMalformed),
        (b'{"object":"user","entry":[]}', PayloadUnsupported),
    ],
)
def test_unreadable_bodies_are_typed_rejections(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        meta.parse(body)


ACCOUNT = meta_reply.MetaAccount("104857600000001", "page-token", base_url="http://fake-graph")


def test_reply_to_a_direct_message_uses_the_send_api() -> None:
    [message] = _parse("messenger_text.json").messages
    request = meta_reply.build_reply(
        ReplyTarget.for_message(message),
        "Officers are on the way.",
        account=ACCOUNT,
        idempotency_key="reply-1",
    )
    assert request.url == "http://fake-graph/v21.0/104857600000001/messages"
    assert request.json == {
        "recipient": {"id": "6677889900112233"},
        "message": {"text": "Officers are on the way."},
        "messaging_type": "RESPONSE",
    }
    assert request.headers["Authorization"] == "Bearer page-token"
    assert "page-token" not in repr(request)


def test_reply_to_a_comment_is_private_by_default() -> None:
    janet = _parse("page_feed_comment.json").messages[0]
    request = meta_reply.build_reply(
        ReplyTarget.for_message(janet), "Thanks", account=ACCOUNT, idempotency_key="k"
    )
    assert request.json["recipient"] == {"comment_id": "998877665544_1122334455"}
    public = meta_reply.build_reply(
        ReplyTarget.for_message(janet), "Thanks", account=ACCOUNT, idempotency_key="k", public=True
    )
    assert public.url.endswith("/998877665544_1122334455/comments")


def test_send_reads_success_and_credential_failures() -> None:
    [message] = _parse("messenger_text.json").messages
    request = meta_reply.build_reply(
        ReplyTarget.for_message(message), "Hello", account=ACCOUNT, idempotency_key="reply-7"
    )
    seen: list[httpx.Request] = []

    def provider(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        if len(seen) == 1:
            return httpx.Response(200, json={"recipient_id": "667", "message_id": "m_out_1"})
        return httpx.Response(400, json={"error": {"message": "Session expired", "code": 190}})

    with httpx.Client(transport=httpx.MockTransport(provider)) as client:
        ok = send(client, request, meta_reply.read_reply_response)
        expired = send(client, request, meta_reply.read_reply_response)
    assert ok.ok and ok.provider_message_id == "m_out_1" and ok.status is ReplyStatus.SENT
    assert seen[0].headers["Idempotency-Key"] == "reply-7"
    assert not expired.ok and expired.error_code == "credentials" and not expired.retryable
