"""The shipped demo night is current, and raw payloads parse like the real providers' webhooks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from beacon.scenario import DEMO_MESSAGES, DEMO_SEED, DEMO_TRUTH, generate_night_shift, read_jsonl


def test_shipped_demo_matches_the_generator() -> None:
    messages, truths = generate_night_shift(DEMO_SEED)
    assert read_jsonl(DEMO_MESSAGES) == messages
    assert read_jsonl(DEMO_TRUTH) == truths


def test_shipped_demo_is_small() -> None:
    assert DEMO_MESSAGES.stat().st_size + DEMO_TRUTH.stat().st_size < 1_000_000


def _demo_of(channel: str, raw_object: str) -> list[dict[str, Any]]:
    return [
        m
        for m in read_jsonl(DEMO_MESSAGES)
        if m["channel"] == channel
        and isinstance(m["raw"], dict)
        and m["raw"].get("object") == raw_object
    ]


def test_whatsapp_raw_parses_to_the_same_message() -> None:
    whatsapp = pytest.importorskip("beacon.intake.whatsapp")
    records = _demo_of("whatsapp", "whatsapp_business_account")
    assert records
    for record in records:
        [parsed] = whatsapp.parse(json.dumps(record["raw"]).encode()).messages
        assert parsed.provider_message_id == record["provider_message_id"]
        assert parsed.channel_account == record["channel_account"]
        assert parsed.author.id == record["author"]["id"]
        assert parsed.thread_ref == record["thread_ref"]
        assert parsed.text == record["text"]


@pytest.mark.parametrize(
    ("channel", "raw_object"), [("facebook", "page"), ("instagram", "instagram")]
)
def test_meta_raw_parses_to_the_same_message(channel: str, raw_object: str) -> None:
    meta = pytest.importorskip("beacon.intake.meta")
    records = _demo_of(channel, raw_object)
    assert records
    for record in records:
        result = meta.parse(json.dumps(record["raw"]).encode())
        if record["author"]["id"] == record["channel_account"]:
            assert not result.messages  # the page's own posts are not citizen contact
            continue
        [parsed] = result.messages
        assert parsed.provider_message_id == record["provider_message_id"]
        assert parsed.author.id == record["author"]["id"]
        assert parsed.text == record["text"]
        if record["shared_of"] is None:
            assert parsed.thread_ref == record["thread_ref"]


def test_x_raw_parses_to_the_same_message() -> None:
    x = pytest.importorskip("beacon.intake.x")
    records = [m for m in read_jsonl(DEMO_MESSAGES) if m["channel"] == "x"]
    for record in records:
        result = x.parse(
            json.dumps(record["raw"]).encode(), channel_account=record["channel_account"]
        )
        if (
            record["author"]["handle"] == record["channel_account"]
            and "for_user_id" in record["raw"]
        ):
            continue
        [parsed] = result.messages
        assert parsed.provider_message_id == record["provider_message_id"]
        assert parsed.author.id == record["author"]["id"]
        assert parsed.author.handle == record["author"]["handle"]
        assert parsed.thread_ref == record["thread_ref"]
        assert parsed.shared_of == record["shared_of"]
        assert parsed.reply_to == record["reply_to"]
        assert parsed.text == record["text"]


def test_sms_raw_parses_to_the_same_message() -> None:
    twilio_sms = pytest.importorskip("beacon.intake.twilio_sms")
    from urllib.parse import urlencode

    records = [m for m in read_jsonl(DEMO_MESSAGES) if m["channel"] == "sms"]
    assert records
    for record in records:
        [parsed] = twilio_sms.parse(urlencode(record["raw"]).encode()).messages
        assert parsed.provider_message_id == record["provider_message_id"]
        assert parsed.channel_account == record["channel_account"]
        assert parsed.author.id == record["author"]["id"]
        assert parsed.thread_ref == record["thread_ref"]
        assert parsed.text == record["text"]
