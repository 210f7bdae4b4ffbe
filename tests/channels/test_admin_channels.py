"""/admin/channels: admins and supervisors see their force's channel accounts and the shared
webhook routes; handlers are refused; another force's accounts never show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from beacon.bootstrap import Beacon
from beacon.intake.deliveries import count_signature_failure, keep_dead_letter
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force, map_channel_account
from beacon.web.app import create_app
from tests.builders import inbound
from tests.channels.conftest import HTTPS_TESTSERVER

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_client(chan_beacon: Beacon) -> Iterator[TestClient]:
    with chan_beacon.session_factory.begin() as session:
        other = ensure_force(session, "other", "Other Force", case_prefix="OF")
        map_channel_account(session, other.id, "sms", "+447700900999")
        for name, force, role in [("ada", "demo", Role.ADMIN), ("sue", "demo", Role.SUPERVISOR),
                                  ("hal", "demo", Role.HANDLER), ("oli", "other", Role.ADMIN)]:
            create_user(session, force_slug=force, username=name, password=PASSWORD, role=role)
    chan_beacon.forces.reload()
    now = chan_beacon.clock.now()
    at = now.isoformat()  # received "now" on the test's clock, whatever today's date is
    chan_beacon.store([
        inbound(channel="whatsapp", channel_account="106540352242922", provider_message_id="w1",
                received_at=at),
        inbound(channel="sms", channel_account="+447700900999", provider_message_id="s1",
                received_at=at),
    ])
    count_signature_failure(chan_beacon.session_factory, "meta", now, "signature_mismatch")
    with chan_beacon.session_factory.begin() as session:
        keep_dead_letter(session, source="mail", reason="payload_malformed: no From", raw=b"x",
                         content_type="message/rfc822", now=now)
    with TestClient(create_app(chan_beacon), base_url=HTTPS_TESTSERVER) as client:
        yield client


def _sign_in(client: TestClient, username: str) -> None:
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_an_admin_sees_accounts_routes_and_credential_state(admin_client: TestClient) -> None:
    _sign_in(admin_client, "ada")
    page = admin_client.get("/admin/channels")
    assert page.status_code == 200
    assert "106540352242922" in page.text and "log only (no credentials)" in page.text
    assert "meta" in page.text and "signature_mismatch" in page.text
    assert "payload_malformed: no From" in page.text  # the mailbox route's last error
    assert '<a href="/admin/channels" aria-current="page">Channels</a>' in page.text
    assert "+447700900999" not in page.text  # the other force's account


def test_another_forces_admin_sees_only_their_own_accounts(admin_client: TestClient) -> None:
    _sign_in(admin_client, "oli")
    page = admin_client.get("/admin/channels")
    assert "+447700900999" in page.text and "106540352242922" not in page.text


def test_a_supervisor_may_view_and_a_handler_may_not(admin_client: TestClient) -> None:
    _sign_in(admin_client, "sue")
    assert admin_client.get("/admin/channels").status_code == 200
    admin_client.cookies.clear()
    _sign_in(admin_client, "hal")
    refused = admin_client.get("/admin/channels", headers={"accept": "text/html"})
    assert refused.status_code == 403
    assert "/admin/channels" not in admin_client.get("/").text  # no nav link for handlers


def test_signed_out_people_are_sent_to_sign_in(admin_client: TestClient) -> None:
    response = admin_client.get("/admin/channels", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
