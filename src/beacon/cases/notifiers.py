"""Senders for alert notices in the outbox: SMS, email and a generic webhook.

Each posts the notice as JSON to a configurable URL (the force's SMS gateway, mail relay or
paging system adapter), with the outbox's idempotency key so a resend after a crash is
recognised. With no URL configured a notice is only logged, which is what the demo does.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable

from beacon.outbox import Sender, SendResult
from beacon.store.tables_outbox import OutboxEntry

log = logging.getLogger(__name__)

Post = Callable[[str, bytes, dict[str, str]], int]  # url, body, headers -> HTTP status


def _urllib_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class HttpAlertSender:
    def __init__(self, url: str, post: Post = _urllib_post) -> None:
        self._url = url
        self._post = post

    def send(self, entry: OutboxEntry) -> SendResult:
        body = json.dumps({"channel": entry.channel, "to": entry.target, **entry.payload}).encode()
        headers = {"content-type": "application/json", "idempotency-key": entry.idempotency_key}
        try:
            status = self._post(self._url, body, headers)
        except OSError as error:
            return SendResult(False, error=f"{type(error).__name__}: {error}")
        if 200 <= status < 300:
            return SendResult(True, provider_ref=f"http-{status}")
        return SendResult(False, error=f"HTTP {status}", retry=status >= 500 or status == 429)


class LogOnlyAlertSender:
    """Stands in where no gateway is configured: the notice is logged and counted as sent."""

    def send(self, entry: OutboxEntry) -> SendResult:
        log.warning("alert %s to %s: %s", entry.channel, entry.target, entry.payload.get("text"))
        return SendResult(True, provider_ref="log-only")


def alert_senders(sms_url: str, email_url: str, webhook_url: str, post: Post = _urllib_post) -> dict[str, Sender]:
    """The senders for the three outbox channels alerts use; merge them into the dispatcher's."""
    def pick(url: str) -> Sender:
        return HttpAlertSender(url, post) if url else LogOnlyAlertSender()

    return {"alert-sms": pick(sms_url), "alert-email": pick(email_url), "alert-webhook": pick(webhook_url)}
