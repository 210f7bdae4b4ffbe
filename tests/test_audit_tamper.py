"""Every way someone with the database's rights (and, where said, the files') could rewrite the
audit trail, each caught by `verify_chain`, on SQLite and PostgreSQL.

The log: events 1-5 signed by checkpoint 1, events 6-8 signed by checkpoint 2.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from beacon.audit import Action, Actor, append_event, verify_chain
from beacon.audit.checkpoints import SUFFIX
from beacon.audit.log import GENESIS, canonical
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock

ANN = Actor("user", 1, "Ann")


def _append(beacon: Beacon, clock: FakeClock, ids: range) -> None:
    with beacon.session_factory.begin() as session:
        for i in ids:
            append_event(session, actor=ANN, action=Action.READ, object_type="case", object_id=i,
                         at=clock.now(), reason="reviewing", data={"i": i}, force_id=None)


@pytest.fixture
def logged(any_beacon: Beacon, clock: FakeClock) -> Beacon:
    _append(any_beacon, clock, range(1, 6))  # the first commit writes checkpoint 1 (head 5)
    _append(any_beacon, clock, range(6, 9))
    assert any_beacon.audit_seal.checkpoints.write_if_moved() is not None  # checkpoint 2 (head 8)
    return any_beacon


def _verify(beacon: Beacon, now=None):  # type: ignore[no-untyped-def]
    with beacon.read_session_factory() as session:
        return verify_chain(session, now=now)


def _sql(beacon: Beacon, *statements: str, params: list[dict] | None = None) -> None:
    """Lift the append-only guard as the database owner could, then rewrite."""
    with beacon.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        for statement in statements:
            conn.execute(text(statement), params or {})


def _checkpoint_files(beacon: Beacon) -> list[Path]:
    return sorted(beacon.audit_seal.checkpoints.directory.glob(f"*{SUFFIX}"))


def _recompute(beacon: Beacon, digest: Callable[[str], str]) -> None:
    """Re-hash every row (and the head) after an edit, as an attacker without the key would."""
    from beacon.audit.log import chained_fields
    from beacon.store.tables_audit import AuditEvent
    from sqlalchemy import select

    with beacon.read_session_factory() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    prev, updates = GENESIS, []
    for event in events:
        new = digest(canonical(prev, chained_fields(event)))
        updates.append({"id": event.id, "prev": prev, "hash": new})
        prev = new
    with beacon.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        for row in updates:
            conn.execute(text("UPDATE audit_events SET prev_hash = :prev, hash = :hash WHERE id = :id"), row)
        conn.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": prev})


def test_an_intact_keyed_chain_with_checkpoints_verifies(logged: Beacon, clock: FakeClock) -> None:
    report = _verify(logged, now=clock.now() + timedelta(hours=1))
    assert report.ok and report.checked == 8, report
    assert [p.name for p in _checkpoint_files(logged)] == [f"{n:010d}{SUFFIX}" for n in (1, 2)]


EDITS = {
    "actor": "UPDATE audit_events SET actor_name = 'Bob' WHERE id = 3",
    "actor id": "UPDATE audit_events SET actor_id = 2 WHERE id = 3",
    "action": "UPDATE audit_events SET action = 'changed' WHERE id = 3",
    "object": "UPDATE audit_events SET object_id = '99' WHERE id = 3",
    "reason": "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3",
    "data": "UPDATE audit_events SET data = '{\"i\": 99}' WHERE id = 3",
    "time": "UPDATE audit_events SET at = at + interval '1 hour' WHERE id = 3",
}


@pytest.mark.parametrize("field", list(EDITS))
def test_an_edited_field_is_caught_at_its_row(logged: Beacon, field: str) -> None:
    statement = EDITS[field]
    if logged.engine.dialect.name == "sqlite" and "interval" in statement:
        statement = "UPDATE audit_events SET at = '2020-01-01 00:00:00.000000' WHERE id = 3"
    _sql(logged, statement)
    report = _verify(logged)
    assert not report.ok and report.first_bad_id == 3, report


@pytest.mark.parametrize(("statements", "first_bad"), [
    (("DELETE FROM audit_events WHERE id = 1",), 1),
    (("DELETE FROM audit_events WHERE id = 4",), 4),
    (("DELETE FROM audit_events WHERE id = 8",), 8),
    (("UPDATE audit_events SET id = 100 WHERE id = 2", "UPDATE audit_events SET id = 2 WHERE id = 3",
      "UPDATE audit_events SET id = 3 WHERE id = 100"), 2),
], ids=["delete first", "delete middle", "delete last", "reorder"])
def test_deleted_and_reordered_rows_are_caught(logged: Beacon, statements: tuple[str, ...], first_bad: int) -> None:
    _sql(logged, *statements)
    report = _verify(logged)
    assert not report.ok and report.first_bad_id == first_bad, report


def test_a_truncated_tail_with_the_head_rolled_back_is_caught_by_the_checkpoint(logged: Beacon) -> None:
    _sql(logged, "DELETE FROM audit_events WHERE id >= 7",
         "UPDATE audit_head SET last_id = 6, last_hash = (SELECT hash FROM audit_events WHERE id = 6)")
    report = _verify(logged)
    assert not report.ok and report.first_bad_id == 7 and "checkpoint 2" in report.problem, report


def test_an_emptied_log_is_caught(logged: Beacon) -> None:
    _sql(logged, "DELETE FROM audit_events", "DELETE FROM audit_head")
    report = _verify(logged)
    assert not report.ok and "checkpoint 2" in report.problem, report


def test_a_chain_recomputed_with_plain_sha256_is_caught(logged: Beacon) -> None:
    _sql(logged, "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3")
    _recompute(logged, lambda s: hashlib.sha256(s.encode()).hexdigest())
    report = _verify(logged)
    assert not report.ok and report.first_bad_id == 1 and "keyed hash" in report.problem, report


def test_a_chain_recomputed_with_a_wrong_key_is_caught(logged: Beacon) -> None:
    _sql(logged, "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3")
    _recompute(logged, lambda s: hmac.new(b"a guessed key, not the one", s.encode(), hashlib.sha256).hexdigest())
    report = _verify(logged)
    assert not report.ok and report.first_bad_id == 1, report


def test_an_edited_checkpoint_is_caught(logged: Beacon) -> None:
    path = _checkpoint_files(logged)[1]
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "count": 7, "head_id": 7}))
    report = _verify(logged)
    assert not report.ok and "checkpoint 2 is not signed" in report.problem, report


def test_a_checkpoint_forged_without_the_key_is_caught(logged: Beacon) -> None:
    path = _checkpoint_files(logged)[1]
    data = json.loads(path.read_text())
    forged = {**data, "head_id": 6, "count": 6}
    signed = "|".join(["beacon-audit-checkpoint-v1", "2", "6", data["head_hash"], "6", data["at"], data["prev_mac"]])
    path.write_text(json.dumps({**forged, "mac": hashlib.sha256(signed.encode()).hexdigest()}))
    report = _verify(logged)
    assert not report.ok and "not signed" in report.problem, report


def test_a_deleted_middle_checkpoint_is_caught(logged: Beacon) -> None:
    _checkpoint_files(logged)[0].unlink()
    report = _verify(logged)
    assert not report.ok and "checkpoint 1 is missing" in report.problem, report


def test_a_deleted_newest_checkpoint_is_caught_once_its_events_are_old(logged: Beacon, clock: FakeClock) -> None:
    _checkpoint_files(logged)[1].unlink()
    assert _verify(logged, now=clock.now() + timedelta(minutes=1)).ok  # young events: not yet due
    report = _verify(logged, now=clock.now() + timedelta(minutes=10))
    assert not report.ok and report.first_bad_id == 6 and "not covered by checkpoint 1" in report.problem


def test_all_checkpoints_deleted_is_caught(logged: Beacon, clock: FakeClock) -> None:
    for path in _checkpoint_files(logged):
        path.unlink()
    report = _verify(logged, now=clock.now() + timedelta(minutes=10))
    assert not report.ok and report.first_bad_id == 1 and "any checkpoint" in report.problem


def test_a_checkpoint_that_does_not_match_its_row_is_caught(logged: Beacon) -> None:
    """A row rewritten with the right key (say, by a process that had it) still differs from
    what the checkpoint signed."""
    _sql(logged, "UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3")
    _recompute(logged, logged.audit_seal.digest)
    report = _verify(logged)
    assert not report.ok and report.first_bad_id == 5 and "checkpoint 1" in report.problem, report


def test_a_checkpoint_is_written_every_thousand_events(any_beacon: Beacon, clock: FakeClock) -> None:
    _append(any_beacon, clock, range(1, 2))
    for start in range(2, 1202, 300):
        _append(any_beacon, clock, range(start, start + 300))
    files = _checkpoint_files(any_beacon)
    heads = [json.loads(p.read_text())["head_id"] for p in files]
    assert heads == [1, 1201]  # the first event, then the commit that took it 1,000 past
    assert _verify(any_beacon).ok
