"""Case work's alerts leave through their own gateways, not through a citizen's channel."""

from __future__ import annotations

import httpx

from beacon.bootstrap import Beacon
from beacon.cases.notifiers import HttpAlertSender, LogOnlyAlertSender
from beacon.outbox.channel_jobs import make_dispatcher
from tests.conftest import make_beacon


def test_alert_channels_use_case_works_senders(beacon: Beacon) -> None:
    dispatcher = make_dispatcher(beacon, httpx.Client())
    senders = dispatcher._senders
    assert isinstance(senders["alert-sms"], LogOnlyAlertSender)
    assert isinstance(senders["alert-email"], LogOnlyAlertSender)


def test_a_configured_gateway_gets_the_alerts(sqlite_url, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    configured = make_beacon(sqlite_url, tmp_path, clock, alert_sms_url="http://127.0.0.1:9/sms")
    senders = make_dispatcher(configured, httpx.Client())._senders
    assert isinstance(senders["alert-sms"], HttpAlertSender)
    assert isinstance(senders["alert-webhook"], LogOnlyAlertSender)
