"""Replies out: sent after commit through each channel's API, once as the provider sees it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.intake import health
from beacon.outbox.channel_jobs import check_channel_health
from beacon.outbox.dispatch import SendResult
from beacon.store.tables_outbox import OutboxEntry
from tests.channels.conftest import channel_beacon
from tests.channels.fake_provider import FakeProvider
from tests.channels.reply_helpers import case_with_message, dispatcher, outbox_entry, queue
from tests.channels.servers import serving

TOKENS: dict[str, object] = {
    "whatsapp_tokens": {"106540352242922": "wa-token"},
    "meta_page_tokens": {"104857600000001": "page-token"},
    "x_user_tokens": {"2244994945": "x-token"},
    "telegram_bot_token": "123456:telegram-token",
    "twilio_from_number": "+447700900100",
}
MESSAGES = {
    "whatsapp": {"channel": "whatsapp", "channel_account": "106540352242922",
                 "author": {"id": "+447700900456"}},
    "facebook": {"channel": "facebook", "channel_account": "104857600000001",
                 "author": {"id": "6677889900112233"}, "thread_ref": "dm:104857600000001:6677889900112233"},
    "sms": {"channel": "sms", "channel_account": "+447700900100", "author": {"id": "+447700900456"}},
    "x": {"channel": "x", "channel_account": "2244994945", "author": {"id": "9988776655"}},
    "telegram": {"channel": "telegram", "channel_account": "force_bot",
                 "author": {"id": "5551234"}, "thread_ref": "chat:5551234",
                 "provider_message_id": "5551234:77"},
}


class Crash(BaseException):
    """The process dying: not an Exception, so the dispatcher cannot catch it."""


@pytest.fixture
def wired(tmp_path: Path, clock: FakeClock, sqlite_url: str) -> Beacon:
    return channel_beacon(sqlite_url, tmp_path, clock, **TOKENS)


@pytest.mark.parametrize("channel", sorted(MESSAGES))
def test_each_channel_sends_its_reply_through_the_provider_api(wired: Beacon, channel: str) -> None:
    provider = FakeProvider()
    entry_id = queue(wired, *case_with_message(wired, **MESSAGES[channel]))
    assert dispatcher(wired, provider.client()).run_once() == 1
    entry = outbox_entry(wired, entry_id)
    assert (entry.status, entry.attempts) == ("sent", 1)
    assert entry.provider_ref and entry.provider_ref != "log-only"
    [(_path, body)] = provider.accepted
    assert "Officers are on their way." in str(body)


def test_a_channel_without_credentials_logs_the_reply_and_says_so(chan_beacon: Beacon) -> None:
    provider = FakeProvider()
    entry_id = queue(chan_beacon, *case_with_message(chan_beacon, **MESSAGES["whatsapp"]))
    dispatcher(chan_beacon, provider.client()).run_once()
    assert outbox_entry(chan_beacon, entry_id).provider_ref == "log-only"
    assert provider.accepted == []


def test_a_reply_reaches_a_real_local_http_provider_once(any_chan_beacon: Beacon, tmp_path: Path,
                                                         clock: FakeClock) -> None:
    provider = FakeProvider(ids=["wamid.REAL-1"])
    with serving(provider.asgi_app()) as base:
        any_chan_beacon.settings.whatsapp_base_url = base
        any_chan_beacon.settings.whatsapp_tokens = {"106540352242922": SecretStr("wa-token")}
        entry_id = queue(any_chan_beacon, *case_with_message(any_chan_beacon, **MESSAGES["whatsapp"]))
        with httpx.Client(timeout=10) as client:
            dispatcher(any_chan_beacon, client).run_once()
            dispatcher(any_chan_beacon, client).run_once()
    entry = outbox_entry(any_chan_beacon, entry_id)
    assert (entry.status, entry.provider_ref) == ("sent", "wamid.REAL-1")
    assert len(provider.accepted) == 1 and provider.accepted[0][0].endswith("/106540352242922/messages")


def test_crash_between_commit_and_send_sends_once_later(wired: Beacon, clock: FakeClock) -> None:
    provider = FakeProvider()
    entry_id = queue(wired, *case_with_message(wired, **MESSAGES["sms"]))
    crashing = dispatcher(wired, provider.client())

    def die(entry: OutboxEntry) -> SendResult:
        raise Crash()

    crashing._senders = {"sms": type("Dying", (), {"send": staticmethod(die)})()}  # type: ignore[assignment]
    with pytest.raises(Crash):
        crashing.run_once()
    assert outbox_entry(wired, entry_id).status == "sending" and provider.accepted == []
    assert dispatcher(wired, provider.client()).run_once() == 0  # not stuck long enough yet
    clock.advance(minutes=6)
    assert dispatcher(wired, provider.client()).run_once() == 1
    assert len(provider.accepted) == 1 and outbox_entry(wired, entry_id).status == "sent"


def test_crash_between_send_and_record_is_not_a_second_message(wired: Beacon, clock: FakeClock) -> None:
    provider = FakeProvider(ids=["SM-first"])
    entry_id = queue(wired, *case_with_message(wired, **MESSAGES["sms"]))
    crashing = dispatcher(wired, provider.client())
    real = crashing._senders["sms"]

    class SendsThenDies:
        def send(self, entry: OutboxEntry) -> SendResult:
            real.send(entry)
            raise Crash()

    crashing._senders = {"sms": SendsThenDies()}  # type: ignore[assignment]
    with pytest.raises(Crash):
        crashing.run_once()
    clock.advance(minutes=6)
    dispatcher(wired, provider.client()).run_once()
    entry = outbox_entry(wired, entry_id)
    assert (entry.status, entry.provider_ref, entry.attempts) == ("sent", "SM-first", 2)
    assert len(provider.accepted) == 1 and provider.repeats == 1


def test_a_provider_outage_is_retried_with_backoff(wired: Beacon, clock: FakeClock) -> None:
    provider = FakeProvider(failures=[(503, {"error": {"message": "try later"}})])
    entry_id = queue(wired, *case_with_message(wired, **MESSAGES["whatsapp"]))
    send = dispatcher(wired, provider.client())
    send.run_once()
    assert outbox_entry(wired, entry_id).status == "pending"
    assert send.run_once() == 0  # backing off
    clock.advance(minutes=1)
    send.run_once()
    assert outbox_entry(wired, entry_id).status == "sent" and len(provider.accepted) == 1


def test_refused_credentials_fail_the_reply_and_raise_one_alert(wired: Beacon, clock: FakeClock) -> None:
    provider = FakeProvider(failures=[(401, {"message": "Authenticate", "code": 20003})])
    entry_id = queue(wired, *case_with_message(wired, **MESSAGES["sms"]))
    dispatcher(wired, provider.client()).run_once()
    entry = outbox_entry(wired, entry_id)
    assert entry.status == "failed" and (entry.last_error or "").startswith("credentials")
    assert check_channel_health(wired) == check_channel_health(wired)  # same key: queued once
    with wired.read_session_factory() as session:
        [alert] = health.recent_alerts(session)
        assert "credentials" in alert.payload["text"]
        assert session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "alert")).all() == [alert]
