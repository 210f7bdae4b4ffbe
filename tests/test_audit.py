"""The audit chain: appends link up; edits, deletions, reordering and truncation are caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from beacon.audit import Action, Actor, append_event, verify_chain
from beacon.bootstrap import Beacon

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
ANN = Actor("user", 1, "Ann")


def _append(beacon: Beacon, n: int) -> None:
    with beacon.session_factory.begin() as session:
        for i in range(n):
            append_event(session, actor=ANN, action=Action.READ, object_type="case", object_id=i,
                         at=AT, reason="reviewing", data={"i": i})


def _verify(beacon: Beacon):  # type: ignore[no-untyped-def]
    with beacon.read_session_factory() as session:
        return verify_chain(session)


def test_an_intact_chain_verifies(any_beacon: Beacon) -> None:
    _append(any_beacon, 5)
    report = _verify(any_beacon)
    assert report.ok and report.checked == 5


def test_the_database_refuses_to_update_or_delete_audit_rows(any_beacon: Beacon) -> None:
    _append(any_beacon, 2)
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with any_beacon.engine.begin() as conn:
                conn.execute(text(statement))
    assert _verify(any_beacon).ok


def _tamper(beacon: Beacon, *statements: str) -> None:
    """What an attacker with the database owner's rights could do: lift the guard, rewrite."""
    with beacon.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL" if postgres else
                          "DROP TRIGGER audit_events_no_update"))
        if not postgres:
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statements", "first_bad"),
    [
        (("UPDATE audit_events SET reason = 'nothing to see' WHERE id = 3",), 3),
        (("DELETE FROM audit_events WHERE id = 2",), 2),
        (("UPDATE audit_events SET id = 100 WHERE id = 2", "UPDATE audit_events SET id = 2 WHERE id = 3",
          "UPDATE audit_events SET id = 3 WHERE id = 100"), 2),
        (("DELETE FROM audit_events WHERE id >= 4",), 4),
    ],
    ids=["edit", "delete", "reorder", "truncate"],
)
def test_tampering_is_detected_at_the_first_bad_row(any_beacon: Beacon, statements: tuple[str, ...], first_bad: int) -> None:
    _append(any_beacon, 5)
    _tamper(any_beacon, *statements)
    report = _verify(any_beacon)
    assert not report.ok and report.first_bad_id == first_bad, report
