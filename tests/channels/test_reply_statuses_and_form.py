"""Status callbacks move a reply forward only, in any order; the case page's reply form."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.audit.log import Action
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import CaseEntry, Message
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_outbox import OutboxEntry
from beacon.web.app import create_app
from tests.channels.conftest import channel_beacon, count, HTTPS_TESTSERVER
from tests.channels.fake_provider import FakeProvider
from tests.channels.reply_helpers import case_with_message, dispatcher, outbox_entry, queue
from tests.channels.signing import meta_headers
from tests.test_http import PASSWORD, sign_in

WA_ACCOUNT = "106540352242922"
WAMID = "wamid.REPLY-1"


def _status_delivery(*words: str) -> bytes:
    statuses = [{"id": WAMID, "status": w, "timestamp": str(1732788000 + i), "recipient_id": "447700900456"}
                for i, w in enumerate(words)]
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
                                       "metadata": {"display_phone_number": "447700900100",
                                                    "phone_number_id": WA_ACCOUNT},
                                       "statuses": statuses}}]}]}).encode()


@pytest.fixture
def wa_beacon(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Beacon:
    return channel_beacon(sqlite_url, tmp_path, clock, whatsapp_tokens={WA_ACCOUNT: "t"})


def _sent_reply(beacon: Beacon) -> int:
    entry_id = queue(beacon, *case_with_message(
        beacon, channel="whatsapp", channel_account=WA_ACCOUNT, author={"id": "+447700900456"}))
    dispatcher(beacon, FakeProvider(ids=[WAMID]).client()).run_once()
    return entry_id


@pytest.mark.parametrize("order", list(itertools.permutations(["sent", "delivered", "read"])))
def test_callbacks_in_any_order_end_at_read(wa_beacon: Beacon, order: tuple[str, ...]) -> None:
    entry_id = _sent_reply(wa_beacon)
    with TestClient(create_app(wa_beacon), base_url=HTTPS_TESTSERVER) as client:
        for word in order:
            body = _status_delivery(word)
            assert client.post("/webhooks/whatsapp", content=body, headers=meta_headers(body)).status_code == 200
            client.post("/webhooks/whatsapp", content=body, headers=meta_headers(body))  # retried
    assert outbox_entry(wa_beacon, entry_id).status == "read"
    assert count(wa_beacon, Message) == 2  # the citizen's and our reply; no status became a message


def test_failed_is_final_whatever_comes_after(wa_beacon: Beacon) -> None:
    entry_id = _sent_reply(wa_beacon)
    with TestClient(create_app(wa_beacon), base_url=HTTPS_TESTSERVER) as client:
        for word in ("failed", "delivered", "read"):
            body = _status_delivery(word)
            client.post("/webhooks/whatsapp", content=body, headers=meta_headers(body))
    assert outbox_entry(wa_beacon, entry_id).status == "failed"


def test_a_callback_that_overtakes_the_record_of_the_send_is_applied(wa_beacon: Beacon) -> None:
    entry_id = queue(wa_beacon, *case_with_message(
        wa_beacon, channel="whatsapp", channel_account=WA_ACCOUNT, author={"id": "+447700900456"}))
    with TestClient(create_app(wa_beacon), base_url=HTTPS_TESTSERVER) as client:  # provider says "delivered" before we record
        body = _status_delivery("delivered")
        client.post("/webhooks/whatsapp", content=body, headers=meta_headers(body))
    dispatcher(wa_beacon, FakeProvider(ids=[WAMID]).client()).run_once()
    assert outbox_entry(wa_beacon, entry_id).status == "delivered"


# --- the case page ---------------------------------------------------------------------------

@pytest.fixture
def desk(chan_beacon: Beacon) -> Iterator[TestClient]:
    with chan_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    with TestClient(create_app(chan_beacon), base_url=HTTPS_TESTSERVER) as client:
        yield client


def _panel(client: TestClient, case_id: int) -> str:
    response = client.get(f"/cases/{case_id}/reply", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def test_a_reply_from_the_case_page_is_recorded_queued_and_audited_once(
    desk: TestClient, chan_beacon: Beacon
) -> None:
    case_id, message_id = case_with_message(
        chan_beacon, channel="whatsapp", channel_account=WA_ACCOUNT, author={"id": "+447700900456"})
    csrf = sign_in(desk, "ann")
    assert f'hx-get="/cases/{case_id}/reply"' in desk.get(f"/cases/{case_id}").text
    panel = _panel(desk, case_id)
    assert "log only" in panel  # no WhatsApp token configured: said before sending
    key = panel.split('name="reply_key" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "message_id": str(message_id), "text": "We are sending someone.",
            "reply_key": key}
    for _ in range(2):  # a double-submitted form
        response = desk.post(f"/cases/{case_id}/reply", data=form, follow_redirects=False)
        assert response.status_code == 303
    with chan_beacon.read_session_factory() as session:
        [entry] = session.scalars(select(OutboxEntry))
        [out] = session.scalars(select(Message).where(Message.direction == "out"))
        [line] = session.scalars(select(CaseEntry).where(CaseEntry.kind == "message_out"))
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == Action.DISCLOSED.value))
    assert (entry.kind, entry.channel, entry.payload["message_id"]) == ("reply", "whatsapp", out.id)
    assert line.message_id == out.id and out.text == "We are sending someone." and out.state == "reply"
    assert event.object_id == str(case_id)


def test_the_reply_form_needs_csrf_and_sign_in(desk: TestClient, chan_beacon: Beacon) -> None:
    case_id, message_id = case_with_message(chan_beacon)
    form = {"message_id": str(message_id), "text": "hi", "reply_key": "k" * 20}
    assert desk.post(f"/cases/{case_id}/reply", data=form, follow_redirects=False).status_code in (303, 401, 403)
    sign_in(desk, "ann")
    assert desk.post(f"/cases/{case_id}/reply", data=form).status_code == 403
    assert count(chan_beacon, OutboxEntry) == 0


def test_a_web_form_message_without_consent_cannot_be_answered(desk: TestClient, chan_beacon: Beacon) -> None:
    case_id, message_id = case_with_message(
        chan_beacon, channel="webform", channel_account="web", author={"id": "anon-1"},
        raw={"contact": "", "consent_to_reply": False})
    csrf = sign_in(desk, "ann")
    assert "cannot reply" in _panel(desk, case_id) or "No message on this case" in _panel(desk, case_id)
    response = desk.post(f"/cases/{case_id}/reply", data={
        "csrf_token": csrf, "message_id": str(message_id), "text": "hello", "reply_key": "k" * 20})
    assert response.status_code == 422 and response.json()["code"] == "no_consent"


def test_the_reply_page_works_without_javascript(desk: TestClient, chan_beacon: Beacon) -> None:
    case_id, _ = case_with_message(chan_beacon)
    sign_in(desk, "ann")
    page = desk.get(f"/cases/{case_id}/reply")
    assert page.status_code == 200 and "<title>Reply" in page.text and 'for="reply-text"' in page.text


def test_the_running_app_dispatches_the_outbox(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> None:
    beacon = channel_beacon(sqlite_url, tmp_path, clock, dispatch_interval=1.5)
    create_app(beacon)
    create_app(beacon)  # a second app on one Beacon does not add a second dispatcher
    assert [job.name for job in beacon.periodic_jobs].count("outbox") == 1
    assert "channel-health" in [job.name for job in beacon.periodic_jobs]
