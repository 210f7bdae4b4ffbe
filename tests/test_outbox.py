"""The outbox: queued with the change, sent after commit, retried, never sent twice at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.outbox import Dispatcher, SendResult, enqueue
from beacon.store.tables_outbox import OutboxEntry


class RecordingSender:
    def __init__(self, *results: SendResult) -> None:
        self.results = list(results)
        self.sent: list[str] = []

    def send(self, entry: OutboxEntry) -> SendResult:
        self.sent.append(entry.idempotency_key)
        return self.results.pop(0) if self.results else SendResult(True, provider_ref="p-1")


def _queue(beacon: Beacon, clock: FakeClock, key: str = "reply-1") -> None:
    with beacon.session_factory.begin() as session:
        enqueue(session, kind="reply", channel="sms", target="+447700900123", payload={"text": "hi"},
                idempotency_key=key, now=clock.now())


def _entry(beacon: Beacon) -> OutboxEntry:
    with beacon.read_session_factory() as session:
        return session.scalars(select(OutboxEntry)).one()


def test_queueing_twice_with_one_key_queues_once(any_beacon: Beacon, clock: FakeClock) -> None:
    _queue(any_beacon, clock)
    _queue(any_beacon, clock)
    assert _entry(any_beacon).status == "pending"


def test_nothing_is_queued_when_the_change_rolls_back(beacon: Beacon, clock: FakeClock) -> None:
    try:
        with beacon.session_factory.begin() as session:
            enqueue(session, kind="reply", channel="sms", target="x", payload={}, idempotency_key="k",
                    now=clock.now())
            raise RuntimeError("the case update failed")
    except RuntimeError:
        pass
    with beacon.read_session_factory() as session:
        assert session.scalars(select(OutboxEntry)).all() == []


def test_dispatch_sends_after_commit_and_records_it(any_beacon: Beacon, clock: FakeClock) -> None:
    _queue(any_beacon, clock)
    sender = RecordingSender()
    assert Dispatcher(any_beacon.session_factory, {"sms": sender}, clock).run_once() == 1
    entry = _entry(any_beacon)
    assert (entry.status, entry.provider_ref, entry.attempts) == ("sent", "p-1", 1)
    assert Dispatcher(any_beacon.session_factory, {"sms": sender}, clock).run_once() == 0
    assert sender.sent == ["reply-1"]


def test_failures_back_off_then_give_up(beacon: Beacon, clock: FakeClock) -> None:
    _queue(beacon, clock)
    sender = RecordingSender(*[SendResult(False, error="503")] * 3)
    dispatcher = Dispatcher(beacon.session_factory, {"sms": sender}, clock, max_attempts=3)
    dispatcher.run_once()
    assert _entry(beacon).status == "pending"
    assert dispatcher.run_once() == 0  # not due yet
    clock.advance(seconds=31)
    dispatcher.run_once()
    clock.advance(seconds=61)
    dispatcher.run_once()
    entry = _entry(beacon)
    assert (entry.status, entry.attempts, entry.last_error) == ("failed", 3, "503")


def test_a_permanent_refusal_is_not_retried(beacon: Beacon, clock: FakeClock) -> None:
    _queue(beacon, clock)
    Dispatcher(beacon.session_factory, {"sms": RecordingSender(SendResult(False, error="blocked", retry=False))},
               clock).run_once()
    assert _entry(beacon).status == "failed"


def test_a_sender_that_crashed_mid_send_is_retried_with_the_same_key(beacon: Beacon, clock: FakeClock) -> None:
    _queue(beacon, clock)
    dispatcher = Dispatcher(beacon.session_factory, {"sms": RecordingSender()}, clock,
                            stuck_after=timedelta(minutes=5))
    dispatcher._claim(10)  # claimed, then the process died before sending
    assert _entry(beacon).status == "sending"
    assert dispatcher.run_once() == 0  # another dispatcher leaves it alone for a while
    clock.advance(minutes=6)
    sender = RecordingSender()
    Dispatcher(beacon.session_factory, {"sms": sender}, clock).run_once()
    assert sender.sent == ["reply-1"] and _entry(beacon).status == "sent"


def test_an_unknown_channel_fails_clearly(beacon: Beacon, clock: FakeClock) -> None:
    _queue(beacon, clock)
    Dispatcher(beacon.session_factory, {}, clock).run_once()
    entry = _entry(beacon)
    assert entry.status == "failed" and "no sender" in (entry.last_error or "")
