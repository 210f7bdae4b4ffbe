"""Twilio SMS: inbound text and media, status callbacks, signatures behind a proxy, replies."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs

import pytest
from intake_fixtures import RECEIVED, fixture_bytes

from beacon.intake import twilio_sms
from beacon.intake.errors import PayloadMalformed, PayloadUnsupported, SignatureError
from beacon.intake.outbound import ReplyTarget
from beacon.intake.signatures import public_url, twilio_signature
from beacon.intake.status import ReplyStatus
from beacon.messages import Channel

PUBLIC = public_url("https://beacon.example.police.uk", "/webhooks/twilio/sms")


def _signed(body: bytes, token: str = "auth-token") -> dict[str, str]:
    params = parse_qs(body.decode(), keep_blank_values=True)
    return {"X-Twilio-Signature": twilio_signature(PUBLIC, params, token)}


def test_verify_valid_missing_wrong_and_mutated() -> None:
    body = fixture_bytes("twilio", "sms_text.txt")
    twilio_sms.verify(body, _signed(body), auth_token="auth-token", url=PUBLIC)
    mutated = body.replace(b"LS8+3QE", b"LS8+3QF")
    for raw, headers, token in [
        (body, {}, "auth-token"),
        (body, _signed(body), "other-token"),
        (mutated, _signed(body), "auth-token"),
    ]:
        with pytest.raises(SignatureError):
            twilio_sms.verify(raw, headers, auth_token=token, url=PUBLIC)


def test_inbound_sms() -> None:
    [message] = twilio_sms.parse(
        fixture_bytes("twilio", "sms_text.txt"), received_at=RECEIVED
    ).messages
    assert message.channel is Channel.SMS
    assert message.channel_account == "+447700900100"
    assert message.author.id == "+447700900456"
    assert message.provider_message_id == "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert message.text == "Someone is trying to break into my car on Harehills Lane LS8 3QE"
    assert message.thread_ref == "sms:+447700900100:+447700900456"
    assert message.created_at == RECEIVED
    assert message.raw["SmsStatus"] == "received"


def test_inbound_mms_records_media() -> None:
    [message] = twilio_sms.parse(fixture_bytes("twilio", "sms_media.txt")).messages
    assert [(m.kind, m.mime_type) for m in message.media] == [
        ("image", "image/jpeg"),
        ("video", "video/mp4"),
    ]
    assert message.media[1].url.endswith("/Media/ME222")


def test_national_format_numbers_become_e164() -> None:
    body = b"MessageSid=SM1&From=07700+900456&To=%2B447700900100&Body=hi"
    [message] = twilio_sms.parse(body).messages
    assert message.author.id == "+447700900456"


def test_status_callbacks() -> None:
    [delivered] = twilio_sms.parse(fixture_bytes("twilio", "status_delivered.txt")).statuses
    assert delivered.status is ReplyStatus.DELIVERED
    assert delivered.channel_account == "+447700900100"
    [failed] = twilio_sms.parse(fixture_bytes("twilio", "status_undelivered.txt")).statuses
    assert failed.status is ReplyStatus.FAILED and failed.error_code == "30003"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"Body=hi&To=%2B447700900100", PayloadMalformed),
        (b"MessageSid=SM1&From=whatsapp%3A%2B447700900456&To=x&Body=hi", PayloadUnsupported),
        (b"MessageSid=SM1&From=%2B447700900456&To=x&NumMedia=two", PayloadMalformed),
        (b"MessageSid=SM1&From=%2B447700900456&To=x&NumMedia=1", PayloadMalformed),
        (b"\xff\xfe", PayloadMalformed),
    ],
    ids=["no-from", "twilio-whatsapp", "bad-num-media", "media-url-missing", "not-ascii"],
)
def test_bad_forms_are_typed_rejections(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        twilio_sms.parse(body)


def test_reply_request() -> None:
    [message] = twilio_sms.parse(fixture_bytes("twilio", "sms_text.txt")).messages
    account = twilio_sms.TwilioAccount(
        "AC00000000000000000000000000000000",
        "auth-token",
        from_number="+447700900100",
        status_callback_url=PUBLIC,
        base_url="http://fake-twilio",
    )
    request = twilio_sms.build_reply(
        ReplyTarget.for_message(message),
        "Officers are attending.",
        account=account,
        idempotency_key="k1",
    )
    assert request.url == (
        "http://fake-twilio/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json"
    )
    assert request.form == {
        "To": "+447700900456",
        "Body": "Officers are attending.",
        "From": "+447700900100",
        "StatusCallback": PUBLIC,
    }
    assert request.headers["Authorization"].startswith("Basic ")


def test_reply_responses() -> None:
    ok = twilio_sms.read_reply_response(201, b'{"sid": "SM123", "status": "queued"}')
    assert ok.ok and ok.provider_message_id == "SM123" and ok.status is ReplyStatus.QUEUED
    stopped = twilio_sms.read_reply_response(
        400, b'{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}'
    )
    assert not stopped.ok and stopped.error_code == "twilio_21610" and not stopped.retryable
    assert twilio_sms.read_reply_response(401, b'{"code": 20003}').error_code == "credentials"


def _json_url(body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    return public_url("https://beacon.example.police.uk", "/webhooks/twilio/sms",
                      f"bodySHA256={digest}")


def test_a_json_body_is_verified_by_its_bodysha256_not_as_form_fields() -> None:
    body = fixture_bytes("twilio", "sms_text.json")
    url = _json_url(body)
    signed = {"X-Twilio-Signature": twilio_signature(url, {}, "auth-token")}
    twilio_sms.verify(body, signed, auth_token="auth-token", url=url)
    as_form = {"X-Twilio-Signature": twilio_signature(url, {"Body": ["x"]}, "auth-token")}
    mutated = body.replace(b"6am", b"7am")
    for raw, headers in [(body, as_form), (mutated, signed), (body, {})]:
        with pytest.raises(SignatureError):
            twilio_sms.verify(raw, headers, auth_token="auth-token", url=url)


def test_a_json_body_is_read_by_the_same_field_names() -> None:
    [message] = twilio_sms.parse(fixture_bytes("twilio", "sms_text.json"), received_at=RECEIVED).messages
    assert message.channel is Channel.SMS and message.channel_account == "+447700900100"
    assert message.author.id == "+447700900457"
    assert message.provider_message_id == "SM1b2c3d4e5f60718293a4b5c6d7e8f90a"
    assert message.text.startswith("Van parked across my drive")
    with pytest.raises(PayloadMalformed):
        twilio_sms.parse(b'["not", "an object"]')
