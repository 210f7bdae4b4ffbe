"""Many processes, one noise picture: trackers kept in step through the noise log (issue 9).

Two Beacons on one PostgreSQL database stand for two `beacon worker` processes (each has its own
in-memory trackers); a single Beacon processing everything is the reference.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from beacon.audit import Actor
from beacon.bootstrap import Beacon, bootstrap
from beacon.cli.worker import _rebuild_noise
from beacon.clock import FakeClock
from beacon.config import Settings
from beacon.messages import InboundMessage
from beacon.noise.supervision import NoiseTracker
from beacon.store.forces import ensure_force, map_channel_account
from beacon.store.migrate import downgrade, upgrade
from beacon.store.tables import Case, DeadLetter, Message
from beacon.store.tables_noise import IncidentRow, NoiseLogEntry
from tests.builders import inbound
from tests.conftest import make_beacon
from tests.fakes import KeywordTriage

X = {"channel": "x", "channel_account": "@WestBurnPolice"}
APPEAL = "MISSING: Amy, 14, last seen near Burnhaven bus station BB10 3HT. Please share. Call 101"
KNIFE = [
    "Man waving a knife outside the Weavers Arms on Mill Lane",
    "There's a man with a knife outside the Weavers Arms pub Mill Lane, please hurry",
    "knife outside weavers arms mill lane, he is shouting at people",
    "Guy with a knife near the Weavers Arms on Mill Lane right now",
]
FIRE = [
    "Car on fire outside 17 Victoria Road, flames everywhere",
    "A car is on fire on Victoria Road near number 17",
    "Victoria Road car fire by number 17, smoke everywhere",
]
WINDOW = "Someone has smashed my car window on Harehills Lane last night"


def _sms(n: int, body: str) -> InboundMessage:
    return inbound(channel="sms", provider_message_id=f"sms-{n}", author={"id": f"+4477009003{n:02d}"}, text=body)


def _retweet(n: int) -> InboundMessage:
    return inbound(**X, provider_message_id=f"rt-{n}", author={"id": f"sharer{n}"},
                   text=f"RT @WestBurnPolice: {APPEAL}", shared_of="1000")


def mixed_stream() -> list[InboundMessage]:
    """Shares of one post, near-copies, same-text copies and independent reports, interleaved."""
    original = inbound(**X, provider_message_id="1000", author={"id": "force"}, text=APPEAL)
    copies = [inbound(**X, provider_message_id=f"copy-{n}", author={"id": f"copier{n}"},
                      text=APPEAL.replace("Please share.", "Please please share!!") + f" #{tag}")
              for n, tag in enumerate(["Burnhaven", "FindAmy"])]
    reports = [_sms(n, body) for n, body in enumerate(KNIFE + FIRE + [WINDOW, WINDOW])]
    shares = [_retweet(n) for n in range(8)]
    stream: list[InboundMessage] = [shares[0], original]  # one share before its original
    pools = [reports, shares[1:], copies]
    while any(pools):
        for pool in pools:
            if pool:
                stream.append(pool.pop(0))
    return stream


# ---- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def pair(postgres_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[tuple[Beacon, Beacon]]:
    """Two processes' worth of Beacon (two NoiseServices) on one PostgreSQL database."""
    first = make_beacon(postgres_url, tmp_path / "a", clock)
    second = make_beacon(postgres_url, tmp_path / "b", clock)
    yield first, second
    first.engine.dispose()
    second.engine.dispose()


@pytest.fixture
def reference(tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    instance = make_beacon(f"sqlite:///{tmp_path / 'reference.db'}", tmp_path / "ref", clock)
    yield instance
    instance.engine.dispose()


def _store(beacon: Beacon, messages: Sequence[InboundMessage]) -> list[int]:
    return [accepted.message_id for accepted in beacon.store(messages)]


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def picture(beacon: Beacon) -> dict[str, Any]:
    """What the noise stage decided, in terms that do not depend on the database's row ids."""
    with beacon.read_session_factory() as session:
        incidents = {row.id: row for row in session.scalars(select(IncidentRow))}
        messages = {
            m.provider_message_id: (m.item_key, incidents[m.incident_id].key, m.share_count, m.disposition)
            for m in session.scalars(select(Message).where(Message.direction == "in"))
        }
        summary = {
            row.key: (row.messages, row.reports, row.reporters, row.priority, row.attention, row.surging,
                      row.merged_into_id is not None)
            for row in incidents.values()
        }
        cases = session.scalar(select(func.count()).select_from(Case))
    return {"messages": messages, "incidents": summary, "cases": cases}


def caught_up(beacon: Beacon, force_id: int) -> NoiseTracker:
    """The process's tracker for the force after taking the lock (and so every committed step)."""
    with beacon.session_factory.begin() as session:
        beacon.noise.hold(session, [force_id])
    return beacon.noise.tracker(force_id)


def state_of(tracker: NoiseTracker) -> tuple[object, ...]:
    return tracker.stats(), tuple(tracker.incidents())


def log_seqs(beacon: Beacon, force_id: int) -> list[int]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(
            select(NoiseLogEntry.seq).where(NoiseLogEntry.force_id == force_id).order_by(NoiseLogEntry.seq)
        ))


def force_of(beacon: Beacon, provider_id: str) -> int:
    return _message(beacon, provider_id).force_id


def _message(beacon: Beacon, provider_id: str) -> Message:
    with beacon.read_session_factory() as session:
        return session.scalars(select(Message).where(Message.provider_message_id == provider_id)).one()


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll for a state another thread reaches; the bound only stops a broken run from hanging."""
    done = threading.Event()
    for _ in range(1200):
        if condition():
            return
        done.wait(0.05)
    pytest.fail(f"never happened: {what}")


# ---- two processes decide as one -----------------------------------------------------------------


@pytest.mark.postgres
def test_two_processes_taking_turns_decide_as_one_process_does(pair: tuple[Beacon, Beacon],
                                                               reference: Beacon) -> None:
    first, second = pair
    stream = mixed_stream()
    ids = _store(first, stream)
    for turn, chunk in enumerate(_chunks(ids, 3)):
        (first if turn % 2 == 0 else second).pipeline.process_many(chunk)
    reference_ids = _store(reference, stream)
    for chunk in _chunks(reference_ids, 3):
        reference.pipeline.process_many(chunk)

    together, alone = picture(first), picture(reference)
    assert together == alone
    appeal = {key: together["messages"][key] for key in ["1000", "rt-0", "copy-0", "copy-1"]}
    assert {appeal[key][0] for key in ["1000", "rt-0"]} == {"x:rt-0"}  # first seen through a share
    assert appeal["rt-0"][2] == 8  # 8 retweets, whichever process saw them
    # The edited copies are their own items, in the appeal's incident, closed onto the appeal.
    assert {appeal[key][0] for key in ["copy-0", "copy-1"]} == {"x:copy-0", "x:copy-1"}
    assert len({incident for _, incident, *_ in appeal.values()}) == 1
    assert appeal["copy-0"][3] == together["messages"]["rt-1"][3]
    knife = {together["messages"][f"sms-{n}"][1] for n in range(len(KNIFE))}
    assert len(knife) == 1  # four authors, two processes, one incident
    force = force_of(first, "1000")
    assert log_seqs(first, force) == list(range(1, len(stream) + 1))
    assert state_of(caught_up(first, force)) == state_of(caught_up(second, force))


@pytest.mark.postgres
def test_a_split_made_in_one_process_is_respected_by_the_others_next_decisions(
        pair: tuple[Beacon, Beacon], clock: FakeClock) -> None:
    web, worker = pair
    reports = [_sms(n, body) for n, body in enumerate(FIRE[:2])]
    worker.pipeline.process_many(_store(worker, reports))
    moved = _message(worker, "sms-1")
    assert moved.incident_id == _message(worker, "sms-0").incident_id
    with web.session_factory.begin() as session:
        target = session.get_one(Message, moved.id)
        split = web.noise.split(session, target, Actor("user", 1, "Sgt Khan"), "different car", clock.now())
        split_id = split.id
    follow_up = inbound(channel="sms", provider_message_id="sms-1-again", author={"id": "+447700900301"},
                        text=FIRE[1], reply_to="sms-1")
    worker.pipeline.process_many(_store(worker, [follow_up]))  # the same post again: its item

    assert _message(worker, "sms-1-again").incident_id == split_id != _message(worker, "sms-0").incident_id
    force = moved.force_id
    assert state_of(caught_up(worker, force)) == state_of(caught_up(web, force))


@pytest.mark.postgres
def test_a_fresh_process_catches_up_from_the_log(pair: tuple[Beacon, Beacon], postgres_url: str,
                                                 tmp_path: Path, clock: FakeClock) -> None:
    first, _ = pair
    first.pipeline.process_many(_store(first, mixed_stream()))
    fresh = make_beacon(postgres_url, tmp_path / "fresh", clock)  # no start(): nothing rebuilt
    try:
        fresh.pipeline.process_many(_store(fresh, [_retweet(99)]))
        assert _message(fresh, "rt-99").item_id == _message(fresh, "rt-0").id
        assert _message(fresh, "rt-0").share_count == 9  # 9 retweets: edited copies are their own items
        force = force_of(first, "1000")
        assert state_of(caught_up(first, force)) == state_of(caught_up(fresh, force))
    finally:
        fresh.engine.dispose()


@pytest.mark.postgres
def test_a_rolled_back_step_is_forgotten_so_the_log_stays_the_one_truth(pair: tuple[Beacon, Beacon]) -> None:
    first, second = pair
    lost, kept = _store(first, [_sms(1, KNIFE[0]), inbound(**X, provider_message_id="1000",
                                                              author={"id": "force"}, text=APPEAL)])
    with first.session_factory() as session:
        session.begin()
        first.pipeline.process_in(session, [lost])
        session.rollback()  # say the commit failed: the step never happened
    second.pipeline.process_many([kept])  # takes seq 1, the step the first process rolled back
    first.pipeline.process_many(_store(first, [_retweet(1)]))

    assert _message(first, "rt-1").item_id == _message(first, "1000").id
    assert _message(first, "sms-1").state == "received"
    force = force_of(first, "1000")
    assert log_seqs(first, force) == [1, 2]
    assert state_of(caught_up(first, force)) == state_of(caught_up(second, force))


def test_a_failed_savepoint_leaves_the_tracker_as_the_log_says(any_beacon: Beacon, tmp_path: Path,
                                                               clock: FakeClock) -> None:
    beacon = any_beacon
    failing, after = _store(beacon, [_sms(1, KNIFE[0]), _sms(2, KNIFE[1])])
    with beacon.session_factory.begin() as session:
        with pytest.raises(RuntimeError), session.begin_nested():
            beacon.pipeline.process_in(session, [failing])
            raise RuntimeError("a later stage failed")
        beacon.pipeline.process_in(session, [after])
    force = force_of(beacon, "sms-2")
    assert log_seqs(beacon, force) == [1]
    assert caught_up(beacon, force).stats()["messages"] == 1


def test_rebuild_replays_the_log_and_pruning_keeps_each_force_counting(any_beacon: Beacon,
                                                                       clock: FakeClock) -> None:
    beacon = any_beacon
    beacon.pipeline.process_many(_store(beacon, mixed_stream()))
    force = force_of(beacon, "1000")
    before = state_of(beacon.noise.tracker(force))
    assert beacon.noise.rebuild(beacon.read_session_factory, clock.now()) == len(mixed_stream())
    assert state_of(beacon.noise.tracker(force)) == before

    later = clock.now() + 3 * beacon.noise._settings.window
    with beacon.session_factory.begin() as session:
        pruned = beacon.noise.prune(session, later)
    assert pruned == len(mixed_stream()) - 1 and log_seqs(beacon, force) == [len(mixed_stream())]
    beacon.pipeline.process_many(_store(beacon, [_retweet(50)]))
    assert log_seqs(beacon, force) == [len(mixed_stream()), len(mixed_stream()) + 1]


def test_pruning_and_rebuilds_take_a_suffix_of_the_log_even_past_a_late_old_message(
        any_beacon: Beacon, clock: FakeClock) -> None:
    beacon = any_beacon
    window = beacon.noise._settings.window
    old, new = clock.now() - 3 * window, clock.now()
    messages = [inbound(channel="sms", provider_message_id=f"m{n}", author={"id": f"+4477009005{n:02d}"},
                        text=f"{body} {n}", created_at=at.isoformat())
                for n, (body, at) in enumerate([(KNIFE[0], old), (FIRE[0], new), (WINDOW, old)])]
    for message in messages:  # one at a time: the third arrives late, carrying an old time
        beacon.pipeline.process_many(_store(beacon, [message]))
    force = force_of(beacon, "m0")

    assert beacon.noise.rebuild(beacon.read_session_factory, clock.now()) == 2  # m1 and the late m2
    assert beacon.noise.tracker(force).stats()["messages"] == 2
    with beacon.session_factory.begin() as session:
        assert beacon.noise.prune(session, clock.now()) == 1
    assert log_seqs(beacon, force) == [2, 3]


def _steps(beacon: Beacon) -> list[tuple[object, ...]]:
    with beacon.read_session_factory() as session:
        rows = session.scalars(select(NoiseLogEntry).order_by(NoiseLogEntry.force_id, NoiseLogEntry.seq))
        return [(r.force_id, r.seq, r.kind, r.message_id if r.kind == "observation" else None, r.at, r.data)
                for r in rows]


def test_migrating_an_older_store_fills_the_log_from_its_window(any_beacon: Beacon) -> None:
    beacon = any_beacon
    recently = datetime.now(UTC) - timedelta(hours=1)  # the fill looks back from the real time
    reports = [inbound(channel="sms", provider_message_id=f"fire-{n}", author={"id": f"+4477009004{n:02d}"},
                       text=body, created_at=(recently + timedelta(minutes=n)).isoformat())
               for n, body in enumerate(FIRE[:2])]
    beacon.pipeline.process_many(_store(beacon, reports))
    with beacon.session_factory.begin() as session:
        moved = session.scalars(select(Message).where(Message.provider_message_id == "fire-1")).one()
        # The split is dated inside the real-time window too: at the fake clock's hour it falls
        # outside the fill's window once the real date is two days past that clock.
        beacon.noise.split(session, moved, Actor("user", 1, "Sgt Khan"), "different car",
                           recently + timedelta(minutes=3))
    beacon.pipeline.process_many(_store(beacon, [inbound(
        channel="sms", provider_message_id="fire-1-again", author={"id": "+447700900401"}, text=FIRE[1],
        reply_to="fire-1", created_at=(recently + timedelta(minutes=5)).isoformat())]))
    written = _steps(beacon)
    assert [step[2] for step in written] == ["observation", "observation", "override", "observation"]

    downgrade(beacon.engine, "0012-1")  # as the store was before the noise log
    upgrade(beacon.engine)
    assert _steps(beacon) == written


# ---- concurrency -----------------------------------------------------------------------------------


def _advisory_waiters(beacon: Beacon) -> int:
    with beacon.engine.connect() as conn:
        return int(conn.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )) or 0)


@pytest.mark.postgres
def test_a_second_process_waits_for_the_force_lock_then_sees_the_first_ones_step(
        pair: tuple[Beacon, Beacon]) -> None:
    first, second = pair
    original, share = _store(first, [inbound(**X, provider_message_id="1000", author={"id": "force"},
                                             text=APPEAL), _retweet(1)])
    errors: list[BaseException] = []

    def second_process() -> None:
        try:
            second.pipeline.process_many([share])
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)

    waiting = threading.Thread(target=second_process)
    with first.session_factory.begin() as session:
        first.pipeline.process_in(session, [original])
        waiting.start()
        _wait_until(lambda: _advisory_waiters(first) == 1, "the second process queues for the lock")
        assert _message(first, "rt-1").state == "received"
    waiting.join(60)
    assert not waiting.is_alive() and not errors
    assert _message(first, "rt-1").item_id == original
    assert _message(first, "1000").share_count == 1


@pytest.mark.postgres
def test_two_threads_over_two_forces_serialise_without_deadlock(pair: tuple[Beacon, Beacon]) -> None:
    first, second = pair
    with first.session_factory.begin() as session:
        other = ensure_force(session, "other", "Other Force", case_prefix="OF")
        map_channel_account(session, other.id, "sms", "+447700900999")
    for beacon in pair:
        beacon.forces.reload()
    ours = mixed_stream()
    theirs = [inbound(channel="sms", channel_account="+447700900999", provider_message_id=f"o-{m.provider_message_id}",
                      author={"id": f"o-{m.author.id}"}, text=m.text,
                      shared_of=f"o-{m.shared_of}" if m.shared_of else None) for m in ours]
    ids = _store(first, [m for pair_ in zip(ours, theirs, strict=True) for m in pair_])
    # Each thread's batches hold both forces, one thread's in the opposite order to the other's.
    halves = [ids[: len(ids) // 2], list(reversed(ids[len(ids) // 2:]))]
    errors: list[BaseException] = []

    def work(beacon: Beacon, mine: list[int]) -> None:
        try:
            for chunk in _chunks(mine, 4):
                beacon.pipeline.process_many(chunk)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(b, half)) for b, half in zip(pair, halves, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(t.is_alive() for t in threads) and not errors
    with first.read_session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        assert set(session.scalars(select(Message.state))) == {"processed"}
    for force in (force_of(first, "1000"), other.id):
        assert log_seqs(first, force) == list(range(1, len(ours) + 1))
        assert state_of(caught_up(first, force)) == state_of(caught_up(second, force))
    assert len({_message(first, f"sms-{n}").incident_id for n in range(len(KNIFE))}) == 1


def test_a_worker_rebuilds_at_start_and_starts_even_without_its_database(beacon: Beacon, tmp_path: Path,
                                                                          clock: FakeClock) -> None:
    beacon.pipeline.process_many(_store(beacon, mixed_stream()))
    restarted = bootstrap(beacon.settings, clock=clock, triage_engine=KeywordTriage())
    _rebuild_noise(restarted)
    force = force_of(beacon, "1000")
    assert state_of(restarted.noise.tracker(force)) == state_of(beacon.noise.tracker(force))
    restarted.engine.dispose()

    unreachable = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                           var_dir=tmp_path / "down", secret_key="test-secret")
    down = bootstrap(unreachable, clock=clock, triage_engine=KeywordTriage())
    _rebuild_noise(down)  # logged, not raised: trackers are rebuilt on first use
    assert down.noise.tracker(force).stats()["messages"] == 0
