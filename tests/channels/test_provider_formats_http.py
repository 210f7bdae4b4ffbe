"""Provider formats as documented, through the HTTP app: X's OAuth 2.0 signature and Activity
API envelopes, Twilio's JSON bodies signed with bodySHA256."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.intake.signatures import twilio_signature
from beacon.store.tables import DeadLetter, Message
from tests.channels.conftest import PUBLIC, TWILIO_TOKEN, count
from tests.channels.signing import x_headers, x_oauth2_headers
from tests.intake.intake_fixtures import fixture_bytes


def _messages(beacon: Beacon) -> list[Message]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_x_activity_deliveries_signed_with_the_client_secret_are_stored_and_triaged(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    for name in ("xaa_mention.json", "xaa_reply.json", "xaa_dm_received.json"):
        body = fixture_bytes("x", name)
        response = chan_client.post("/webhooks/x", content=body, headers=x_oauth2_headers(body))
        assert response.status_code == 200, response.text
    stored = _messages(chan_beacon)
    assert [m.provider_message_id for m in stored] == [
        "1862140000000000501", "1862140000000000502", "1862140000000000601"]
    assert {m.state for m in stored} == {"processed"}
    assert count(chan_beacon, DeadLetter) == 0


def test_the_forces_own_dm_sent_is_acknowledged_and_not_triaged(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    body = fixture_bytes("x", "xaa_dm_sent.json")
    assert chan_client.post("/webhooks/x", content=body, headers=x_headers(body)).status_code == 200
    assert _messages(chan_beacon) == [] and count(chan_beacon, DeadLetter) == 0


def test_a_bad_oauth2_signature_is_refused_even_beside_a_good_legacy_one(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    body = fixture_bytes("x", "xaa_mention.json")
    headers = {**x_headers(body), **x_oauth2_headers(body, secret="a-guess")}
    assert chan_client.post("/webhooks/x", content=body, headers=headers).status_code == 403
    assert _messages(chan_beacon) == []


def test_twilio_json_body_with_bodysha256_is_verified_and_stored(
    chan_client: TestClient, chan_beacon: Beacon
) -> None:
    body = fixture_bytes("twilio", "sms_text.json")
    query = f"bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = twilio_signature(f"{PUBLIC}/webhooks/twilio/sms?{query}", {}, TWILIO_TOKEN)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/json"}
    response = chan_client.post(f"/webhooks/twilio/sms?{query}", content=body, headers=headers)
    assert response.status_code == 200, response.text
    [message] = _messages(chan_beacon)
    assert message.channel == "sms" and message.state == "processed"
    forged = body.replace(b"6am", b"5am")
    refused = chan_client.post(f"/webhooks/twilio/sms?{query}", content=forged, headers=headers)
    assert refused.status_code == 403 and len(_messages(chan_beacon)) == 1
