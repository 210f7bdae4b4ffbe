"""WhatsApp Cloud API webhooks: text with context, image, location, statuses; replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from intake_fixtures import RECEIVED, fixture_bytes

from beacon.intake import whatsapp
from beacon.intake.errors import PayloadUnsupported, ReplyError, SignatureError
from beacon.intake.outbound import ReplyTarget, send
from beacon.intake.signatures import hub_signature
from beacon.intake.status import ReplyStatus
from beacon.messages import Channel


def _parse(name: str):
    return whatsapp.parse(fixture_bytes("whatsapp", name), received_at=RECEIVED)


def test_signature_is_meta_hub_signature() -> None:
    body = fixture_bytes("whatsapp", "text_with_context.json")
    whatsapp.verify(body, {"X-Hub-Signature-256": hub_signature(body, "app")}, app_secret="app")
    for headers in ({}, {"X-Hub-Signature-256": hub_signature(body, "wrong")}):
        with pytest.raises(SignatureError):
            whatsapp.verify(body, headers, app_secret="app")
    with pytest.raises(SignatureError):
        whatsapp.verify(
            body[:-2] + b"]}", {"X-Hub-Signature-256": hub_signature(body, "app")}, app_secret="app"
        )


def test_text_message_with_profile_name_and_context() -> None:
    result = _parse("text_with_context.json")
    [message] = result.messages
    assert message.channel is Channel.WHATSAPP
    assert message.channel_account == "106540352242922"
    assert message.author.id == message.author.handle == "+447700900456"
    assert message.author.name == "Kerry Whitfield"
    assert message.reply_to == "wamid.HBgMNDQ3NzAwOTAwNDU2FQIAERgSQUJDREVGMDEyMzQ1Njc4OQA="
    assert message.thread_ref == "wa:106540352242922:+447700900456"
    assert message.created_at == datetime.fromtimestamp(1732787900, UTC)
    assert "cash machine" in message.text


def test_image_and_location_with_reaction_ignored() -> None:
    result = _parse("image_and_location.json")
    image, location = result.messages
    assert image.media[0].kind == "image" and image.media[0].provider_id == "1003383421387256"
    assert image.media[0].mime_type == "image/jpeg" and "Gipton Approach" in image.text
    assert location.place and location.place.lat == 53.8163 and location.place.lon == -1.4989
    assert location.place.name == "Gipton Approach, Gipton Approach, Leeds LS9 6NE"
    assert result.ignored == ["message.reaction"]


def test_statuses_including_failure_reason() -> None:
    result = _parse("statuses.json")
    assert not result.messages
    read, delivered, failed = result.statuses
    assert (read.status, delivered.status, failed.status) == (
        ReplyStatus.READ,
        ReplyStatus.DELIVERED,
        ReplyStatus.FAILED,
    )
    assert failed.error_code == "131047" and failed.error_detail == "Re-engagement message"


def test_other_objects_are_unsupported() -> None:
    with pytest.raises(PayloadUnsupported):
        whatsapp.parse(json.dumps({"object": "page", "entry": []}).encode())


ACCOUNT = whatsapp.WhatsAppAccount("106540352242922", "wa-token", base_url="http://fake-graph")


def test_reply_request_quotes_the_citizen_message() -> None:
    [message] = _parse("text_with_context.json").messages
    request = whatsapp.build_reply(
        ReplyTarget.for_message(message),
        "Thanks Kerry, a patrol is nearby.",
        account=ACCOUNT,
        idempotency_key="r-1",
    )
    assert request.url == "http://fake-graph/v21.0/106540352242922/messages"
    assert request.json["to"] == "447700900456"
    assert request.json["context"] == {"message_id": message.provider_message_id}
    assert request.json["text"]["body"] == "Thanks Kerry, a patrol is nearby."


def test_reply_too_long_is_refused_before_sending() -> None:
    [message] = _parse("text_with_context.json").messages
    with pytest.raises(ReplyError):
        whatsapp.build_reply(
            ReplyTarget.for_message(message), "x" * 5000, account=ACCOUNT, idempotency_key="r"
        )


@pytest.mark.parametrize(
    ("status", "body", "expected_code", "retryable"),
    [
        (
            400,
            {"error": {"code": 131047, "message": "Re-engagement message"}},
            "graph_131047",
            False,
        ),
        (400, {"error": {"code": 4, "message": "Too many calls"}}, "rate_limited", True),
        (401, {"error": {"code": 190, "message": "Expired"}}, "credentials", False),
        (503, {}, "http_503", True),
    ],
)
def test_reply_failures(status, body, expected_code, retryable) -> None:
    outcome = whatsapp.read_reply_response(status, json.dumps(body).encode())
    assert outcome.error_code == expected_code and outcome.retryable is retryable


def test_send_success_returns_the_wamid() -> None:
    [message] = _parse("text_with_context.json").messages
    request = whatsapp.build_reply(
        ReplyTarget.for_message(message), "ok", account=ACCOUNT, idempotency_key="r-2"
    )
    response = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "447700900456", "wa_id": "447700900456"}],
        "messages": [{"id": "wamid.OUT1"}],
    }
    transport = httpx.MockTransport(lambda req: httpx.Response(200, json=response))
    with httpx.Client(transport=transport) as client:
        outcome = send(client, request, whatsapp.read_reply_response)
    assert outcome.ok and outcome.provider_message_id == "wamid.OUT1"


def test_transport_failure_is_retryable() -> None:
    [message] = _parse("text_with_context.json").messages
    request = whatsapp.build_reply(
        ReplyTarget.for_message(message), "ok", account=ACCOUNT, idempotency_key="r-3"
    )

    def refuse(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=req)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        outcome = send(client, request, whatsapp.read_reply_response)
    assert not outcome.ok and outcome.retryable and outcome.error_code == "transport"
