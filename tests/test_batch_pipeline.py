"""The batch write path (pipeline/batch/): the same decisions as one message at a time, in a
fraction of the statements, and a failing message still isolated and dead-lettered alone."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.messages import InboundMessage
from beacon.pipeline.batch.triage_record import triage_record
from beacon.pipeline.runner import Pipeline
from beacon.scenario import generate_night_shift
from beacon.store.tables import DeadLetter, Message
from beacon.triage.result import TriageResult
from tests.builders import inbound
from tests.conftest import make_beacon
from tests.fakes import KeywordTriage

PHONE = {"id": "+447700900123", "handle": "+447700900123", "name": "Sam Jones"}
_DECIDED = ("state, priority, urgency, categories, triage, item_id, item_key, incident_id, person_id, "
            "case_id, share_count, disposition, disposition_reason")
_TABLES = ("persons", "identities", "identity_keys", "incidents", "cases", "case_entries", "case_counters",
           "routing_decisions", "quoted_references", "contact_flags", "person_candidates", "noise_log",
           "audit_events", "dead_letters")


def _night(count: int) -> list[InboundMessage]:
    night, _ = generate_night_shift(7)
    return [InboundMessage.model_validate(m) for m in night[:count]]


def _store_image(beacon: Beacon) -> dict[str, object]:
    with beacon.engine.connect() as connection:
        image: dict[str, object] = {
            "messages": connection.execute(text(f"SELECT id, {_DECIDED} FROM messages ORDER BY id")).all(),
            "cases": connection.execute(text(
                "SELECT id, reference, status, priority, category, team_id, person_id FROM cases ORDER BY id")).all(),
            "incidents": connection.execute(text(
                "SELECT id, key, messages, reports, reporters, priority, case_id FROM incidents ORDER BY id")).all(),
            "audit": connection.execute(text(
                "SELECT id, action, object_type, object_id, reason FROM audit_events ORDER BY id")).all(),
        }
        for table in _TABLES:
            image[table] = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    return image


def test_a_batch_decides_exactly_as_one_message_at_a_time(
    beacon: Beacon, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = _night(160)
    for start in range(0, len(messages), 40):
        beacon.ingest(messages[start:start + 40])
    batched = _store_image(beacon)

    monkeypatch.setattr(Pipeline, "_run_batch", lambda self, session, ids: None)  # the old path
    single = make_beacon(f"sqlite:///{tmp_path / 'single.db'}", tmp_path / "single", clock)
    for start in range(0, len(messages), 40):
        single.ingest(messages[start:start + 40])
    one_at_a_time = _store_image(single)
    single.engine.dispose()

    assert batched["cases"] and batched["incidents"]  # the night gives the stages work to do
    assert batched == one_at_a_time


def test_a_failing_message_in_a_batch_is_dead_lettered_alone(any_beacon: Beacon) -> None:
    accepted = any_beacon.ingest([
        inbound(text="He has a knife", author=PHONE),
        inbound(text="boom", provider_message_id="poison", raw={"id": "poison", "body": "boom"}),
        inbound(text="My bike was stolen", author=PHONE),
    ])
    with any_beacon.read_session_factory() as session:
        states = [session.get_one(Message, a.message_id).state for a in accepted]
        [letter] = session.scalars(select(DeadLetter))
    assert states == ["processed", "failed", "processed"]
    assert letter.message_id == accepted[1].message_id and "triage exploded" in letter.reason
    assert json.loads(letter.raw_body) == {"id": "poison", "body": "boom"}  # the raw payload is kept


def test_a_batch_takes_less_than_one_statement_per_message(
    any_beacon: Beacon, caplog: pytest.LogCaptureFixture
) -> None:
    """Storing and processing 60 messages of the night, first batch of an empty store included:
    one read per kind of state and one write per table per batch, not per message."""
    messages = _night(60)
    statements: list[str] = []

    def count(*args: object) -> None:
        if not str(args[2]).startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            statements.append(str(args[2]))

    event.listen(any_beacon.engine, "before_cursor_execute", count)
    with caplog.at_level(logging.WARNING, logger="beacon.pipeline.runner"):
        any_beacon.ingest(messages)
    event.remove(any_beacon.engine, "before_cursor_execute", count)
    assert "one at a time" not in caplog.text  # the batch path did the work
    with any_beacon.read_session_factory() as session:
        processed = session.scalar(select(func.count()).where(Message.state == "processed"))
    assert processed == len(messages)
    assert len(statements) < len(messages), "\n".join(statements)


def test_the_stored_triage_record_is_the_results_own_dict() -> None:
    engine = KeywordTriage()
    results: list[TriageResult] = [engine.triage(t) for t in ("He has a knife", "bike stolen", "thanks")]
    for result in results:
        assert triage_record(result) == result.to_dict()


def test_a_batch_of_messages_already_processed_is_no_failure(
    any_beacon: Beacon, caplog: pytest.LogCaptureFixture
) -> None:
    """A delivery can hand the pipeline ids another path has already processed (the demo's
    replay did): the batch then decides nothing, and must not fail into one at a time."""
    accepted = any_beacon.ingest([inbound(text="My bike was stolen", author=PHONE)])
    with caplog.at_level(logging.WARNING, logger="beacon.pipeline.runner"):
        again = any_beacon.pipeline.process_many([a.message_id for a in accepted])
    assert "one at a time" not in caplog.text
    assert [processed is not None and processed.skipped for processed in again] == [True]
