"""Provider webhooks through the HTTP app: signatures before parsing, store before 2xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.store.tables import DeadLetter, Message
from beacon.store.tables_channels import ChannelHealth
from beacon.web.app import create_app
from tests.channels.conftest import VERIFY_TOKEN, X_SECRET, count, HTTPS_TESTSERVER
from tests.channels.signing import meta_headers, signed, telegram_headers, twilio_headers
from tests.intake.intake_fixtures import fixture_bytes

PROBLEM = "application/problem+json"
DELIVERIES = [
    ("meta", fixture_bytes("meta", "messenger_text.json")),
    ("meta", fixture_bytes("meta", "instagram_dm.json")),
    ("meta", fixture_bytes("meta", "page_feed_comment.json")),
    ("whatsapp", fixture_bytes("whatsapp", "text_with_context.json")),
    ("twilio/sms", fixture_bytes("twilio", "sms_text.txt").strip()),
    ("x", fixture_bytes("x", "aaa_direct_message.json")),
    ("x", fixture_bytes("x", "aaa_tweet_reply.json")),
    ("telegram", fixture_bytes("telegram", "message_text.json")),
    ("telegram", fixture_bytes("telegram", "photo_location.json")),
    ("meta", fixture_bytes("meta", "group_feed_comment.json")),
]


def _flip(body: bytes) -> bytes:
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1 :]


def _signature_failures(beacon: Beacon, channel: str) -> int:
    with beacon.read_session_factory() as session:
        row = session.scalar(select(ChannelHealth).where(ChannelHealth.channel == channel))
        return row.signature_failures if row else 0


@pytest.mark.parametrize(("channel", "body"), DELIVERIES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(DELIVERIES)])
def test_a_signed_delivery_is_stored_once_and_triaged(
    chan_client: TestClient, chan_beacon: Beacon, channel: str, body: bytes
) -> None:
    first = chan_client.post(f"/webhooks/{channel}", content=body, headers=signed(channel, body))
    again = chan_client.post(f"/webhooks/{channel}", content=body, headers=signed(channel, body))
    assert first.status_code == again.status_code == 200, first.text
    with chan_beacon.read_session_factory() as session:
        messages = list(session.scalars(select(Message)))
    assert messages and len({m.provider_message_id for m in messages}) == len(messages)
    assert {m.state for m in messages} == {"processed"}  # published after the commit
    assert count(chan_beacon, DeadLetter) == 0


@pytest.mark.parametrize(("channel", "body"), DELIVERIES[:9:3], ids=["meta", "whatsapp", "x"])
@pytest.mark.parametrize("fault", ["missing", "wrong secret", "one byte changed"])
def test_bad_signatures_are_refused_counted_and_nothing_is_stored(
    chan_client: TestClient, chan_beacon: Beacon, channel: str, body: bytes, fault: str
) -> None:
    headers = signed(channel, body)
    sent = body
    if fault == "missing":
        headers = {"Content-Type": headers["Content-Type"]}
    elif fault == "wrong secret":
        headers = meta_headers(body, "not-the-secret") if channel != "x" else {
            "x-twitter-webhooks-signature": "sha256=bm90LXRoZS1zaWduYXR1cmU="}
    else:
        sent = _flip(body)
    response = chan_client.post(f"/webhooks/{channel}", content=sent, headers=headers)
    assert response.status_code == (401 if fault == "missing" else 403)
    assert response.headers["content-type"] == PROBLEM
    assert count(chan_beacon, Message) == count(chan_beacon, DeadLetter) == 0
    assert _signature_failures(chan_beacon, channel.replace("/", "_")) == 1


def test_twilio_and_telegram_signature_faults(chan_client: TestClient, chan_beacon: Beacon) -> None:
    sms = fixture_bytes("twilio", "sms_text.txt").strip()
    assert chan_client.post("/webhooks/twilio/sms", content=_flip(sms),
                            headers=twilio_headers(sms)).status_code == 403
    assert chan_client.post("/webhooks/telegram", content=b"{}",
                            headers=telegram_headers("wrong")).status_code == 403
    assert chan_client.post("/webhooks/telegram", content=b"{}").status_code == 401
    assert count(chan_beacon, Message) == 0
    assert _signature_failures(chan_beacon, "twilio_sms") == 1
    assert _signature_failures(chan_beacon, "telegram") == 2


def test_secrets_never_appear_in_answers(chan_client: TestClient) -> None:
    body = fixture_bytes("meta", "messenger_text.json")
    response = chan_client.post("/webhooks/meta", content=body, headers=meta_headers(body, "x" * 20))
    assert "meta-app-secret" not in response.text and "sha256=" not in response.text


def test_an_unconfigured_channel_answers_503_problem(beacon: Beacon) -> None:
    body = fixture_bytes("meta", "messenger_text.json")
    with TestClient(create_app(beacon), base_url=HTTPS_TESTSERVER) as client:
        for path in ("/webhooks/meta", "/webhooks/whatsapp", "/webhooks/twilio/sms", "/webhooks/x",
                     "/webhooks/telegram"):
            response = client.post(path, content=body, headers=meta_headers(body))
            assert response.status_code == 503, path
            assert response.json()["code"] == "channel_not_configured"
        assert client.get("/webhooks/x?crc_token=abc").status_code == 503
        assert client.get("/webhooks/meta?hub.mode=subscribe").status_code == 503


def test_meta_handshake_echoes_the_challenge_only_for_our_token(chan_client: TestClient) -> None:
    ok = chan_client.get("/webhooks/meta", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    refused = chan_client.get("/webhooks/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM


def test_x_crc_answers_with_the_hmac_of_the_token(chan_client: TestClient) -> None:
    from beacon.intake import x

    response = chan_client.get("/webhooks/x", params={"crc_token": "challenge-123"})
    assert response.json() == x.crc_response("challenge-123", consumer_secret=X_SECRET)
    assert chan_client.get("/webhooks/x").status_code == 400


def test_a_body_over_the_limit_is_refused_before_anything_else(
    chan_beacon: Beacon, tmp_path: object
) -> None:
    chan_beacon.settings.max_body_bytes = 2000
    body = b'{"object": "page", "entry": [' + b" " * 3000 + b"]}"
    with TestClient(create_app(chan_beacon), base_url=HTTPS_TESTSERVER) as client:
        response = client.post("/webhooks/meta", content=body, headers=meta_headers(body))
    assert response.status_code == 413
    assert count(chan_beacon, Message) == count(chan_beacon, DeadLetter) == 0
