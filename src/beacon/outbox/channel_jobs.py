"""The outbox dispatcher and the channel health check, as periodic jobs of the running app.

`register_channel_jobs` adds them to `beacon.periodic_jobs`, which the web app's lifespan runs
in its background thread. The dispatcher sends with the reply senders (`senders.py`), case
work's alert senders (SMS, email and webhook gateways, or the log when none is configured), a
log-only sender for control-room alerts, and any `extra_senders`; an `alert-*` channel without a
sender is logged rather than failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from beacon.cases.notifiers import alert_senders
from beacon.intake import health
from beacon.outbox.dispatch import Dispatcher, Sender
from beacon.outbox.reply_status import apply_recorded
from beacon.outbox.senders import LogOnlySender, reply_senders
from beacon.pipeline.periodic import PeriodicJob

if TYPE_CHECKING:
    from beacon.bootstrap import Beacon

HEALTH_CHECK_SECONDS = 60.0


class SenderTable(Mapping[str, Sender]):
    """The dispatcher's senders; alert channels nobody configured fall back to the log."""

    def __init__(self, senders: Mapping[str, Sender]) -> None:
        self._senders = dict(senders)
        self._log = LogOnlySender()

    def __getitem__(self, channel: str) -> Sender:
        if channel in self._senders:
            return self._senders[channel]
        if channel.startswith("alert") or channel == health.ALERT_CHANNEL:
            return self._log
        raise KeyError(channel)

    def __iter__(self) -> Iterator[str]:
        return iter(self._senders)

    def __len__(self) -> int:
        return len(self._senders)


def make_dispatcher(
    beacon: Beacon, client: httpx.Client, extra_senders: Mapping[str, Sender] | None = None
) -> Dispatcher:
    settings = beacon.settings
    senders = {
        **reply_senders(settings, client),
        # Case work's pages to on-call staff: their own gateways (or the log), never a citizen's channel.
        **alert_senders(settings.alert_sms_url, settings.alert_email_url, settings.alert_webhook_url),
        **(extra_senders or {}),
    }
    return Dispatcher(beacon.session_factory, SenderTable(senders), beacon.clock,
                      on_sent=apply_recorded)


def check_channel_health(beacon: Beacon) -> list[str]:
    settings = beacon.settings
    with beacon.session_factory.begin() as session:
        return health.raise_alerts(
            session, beacon.clock.now(),
            silent_after=timedelta(minutes=settings.channel_silence_minutes),
            busy_per_day=settings.channel_busy_per_day,
        )


def register_channel_jobs(beacon: Beacon, extra_senders: Mapping[str, Sender] | None = None) -> None:
    """Add the dispatcher and the health check (once) unless BEACON_DISPATCH_INTERVAL is 0."""
    interval = beacon.settings.dispatch_interval
    if interval <= 0 or any(job.name == "outbox" for job in beacon.periodic_jobs):
        return
    client = httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0))
    dispatcher = make_dispatcher(beacon, client, extra_senders)
    beacon.periodic_jobs.append(PeriodicJob("outbox", interval, dispatcher.run_once))
    beacon.periodic_jobs.append(
        PeriodicJob("channel-health", HEALTH_CHECK_SECONDS, lambda: check_channel_health(beacon))
    )
