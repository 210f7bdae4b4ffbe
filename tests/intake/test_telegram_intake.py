"""Telegram: messages, edits, photos, venues, forwards, ignored updates, secret token, replies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from intake_fixtures import RECEIVED, fixture_bytes

from beacon.intake import telegram
from beacon.intake.errors import PayloadMalformed, SignatureMismatch, SignatureMissing
from beacon.intake.outbound import ReplyTarget
from beacon.messages import Channel


def _parse(name: str):
    return telegram.parse(
        fixture_bytes("telegram", name), channel_account="ExamplePoliceBot", received_at=RECEIVED
    )


def test_secret_token() -> None:
    telegram.verify(
        b"{}", {"X-Telegram-Bot-Api-Secret-Token": "tg-secret"}, secret_token="tg-secret"
    )
    with pytest.raises(SignatureMissing):
        telegram.verify(b"{}", {}, secret_token="tg-secret")
    with pytest.raises(SignatureMismatch):
        telegram.verify(
            b"{}", {"X-Telegram-Bot-Api-Secret-Token": "tg-secreT"}, secret_token="tg-secret"
        )


def test_text_message_replying_to_the_bot() -> None:
    [message] = _parse("message_text.json").messages
    assert message.channel is Channel.TELEGRAM
    assert message.provider_message_id == "5123456789:512"
    assert message.reply_to == "5123456789:510"
    assert message.thread_ref == "chat:5123456789"
    assert message.author.name == "Chloe Barker" and message.author.handle == "@chloe_b"
    assert message.language == "en"
    assert message.created_at == datetime.fromtimestamp(1732792800, UTC)


def test_edited_message_is_kept_beside_the_original() -> None:
    [message] = _parse("edited_message.json").messages
    assert message.provider_message_id == "5123456789:512@edited:1732792860"
    assert "grey cap" in message.text


def test_photo_keeps_the_largest_size() -> None:
    [message] = _parse("photo_location.json").messages
    assert [m.provider_id for m in message.media] == ["AgACAgQAAxkBAAIBsmdHlarge"]
    assert message.text == "This is him"


def test_venue_and_forwarded_channel_post() -> None:
    [message] = _parse("venue_forwarded.json").messages
    assert message.place and message.place.name == "Harehills Park, Harehills Lane, Leeds LS8 3QE"
    assert message.shared_of == "-1001234567890:8812"


def test_membership_updates_are_ignored() -> None:
    result = _parse("my_chat_member.json")
    assert not result.messages and result.ignored == ["update.my_chat_member"]


def test_update_without_id_is_malformed() -> None:
    with pytest.raises(PayloadMalformed):
        telegram.parse(b'{"message": {}}', channel_account="bot")


def test_reply_request_hides_the_token() -> None:
    [message] = _parse("message_text.json").messages
    bot = telegram.TelegramBot("ExamplePoliceBot", "123456:ABC-secret", base_url="http://fake-tg")
    request = telegram.build_reply(
        ReplyTarget.for_message(message), "Thanks Chloe", bot=bot, idempotency_key="k"
    )
    assert request.url == "http://fake-tg/bot123456:ABC-secret/sendMessage"
    assert request.json == {
        "chat_id": "5123456789",
        "text": "Thanks Chloe",
        "reply_parameters": {"message_id": 512, "allow_sending_without_reply": True},
    }
    assert "ABC-secret" not in repr(request)


def test_reply_responses() -> None:
    ok = telegram.read_reply_response(
        200, b'{"ok": true, "result": {"message_id": 600, "chat": {"id": 5123456789}}}'
    )
    assert ok.ok and ok.provider_message_id == "5123456789:600"
    limited = telegram.read_reply_response(
        429,
        b'{"ok": false, "error_code": 429, "description": "Too Many Requests",'
        b' "parameters": {"retry_after": 7}}',
    )
    assert limited.retryable and limited.retry_after == 7
    blocked = telegram.read_reply_response(403, b'{"ok": false, "description": "bot was blocked"}')
    assert blocked.error_code == "telegram_blocked" and not blocked.retryable
    assert telegram.read_reply_response(401, b"{}").error_code == "credentials"
