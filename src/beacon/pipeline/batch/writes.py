"""Everything a batch decided, written at its end: one executemany statement per table.

Order follows the foreign keys: persons before identities and cases, cases before the incidents
and messages that point at them, messages before the rows that point at messages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from beacon.pipeline.batch.rows import DECIDED_COLUMNS, Row
from beacon.pipeline.batch.state import CASE_COLUMNS, INCIDENT_COLUMNS, BatchState
from beacon.store.tables import Case, CaseEntry, Identity, Message, Person
from beacon.store.tables_noise import IncidentRow, NoiseLogEntry
from beacon.store.tables_people import ContactFlag, IdentityKey, PersonCandidate, QuotedReference, RoutingDecision

_M = Message.__table__
_UPDATE_MESSAGE = update(_M).where(_M.c.id == bindparam("_id")).values(
    {name: bindparam(name) for name in DECIDED_COLUMNS})
_UPDATE_SHARES = update(_M).where(_M.c.id == bindparam("_id")).values(share_count=bindparam("share_count"))
# Inserted in this order (foreign keys), after the new persons, identities and cases.
_LATER = (QuotedReference, ContactFlag, RoutingDecision, CaseEntry, NoiseLogEntry)


@dataclass
class Writes:
    inserts: dict[type, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    candidates_changed: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> evidence
    shares: dict[int, int] = field(default_factory=dict)  # items outside the batch that grew

    def add(self, table: type, **values: Any) -> dict[str, Any]:
        self.inserts[table].append(values)
        return values  # the row to be written: the caller may still complete it


def write_all(session: Session, writes: Writes, state: BatchState, rows: list[Row]) -> None:
    for table in (Person, Identity, IdentityKey):
        _insert(session, table.__table__, writes.inserts.get(table))
    cases = [c.record for c in state.cases.values()]
    _insert(session, Case.__table__, [r.values for r in cases if r.new])
    _update(session, Case.__table__, CASE_COLUMNS, [r.values for r in cases if r.dirty and not r.new])
    incidents = list(state.incidents.values())
    _insert(session, IncidentRow.__table__, [r.values for r in incidents if r.new])
    _update(session, IncidentRow.__table__, INCIDENT_COLUMNS, [r.values for r in incidents if r.dirty and not r.new])
    if rows:
        session.execute(_UPDATE_MESSAGE, [row.decided() for row in rows])
    if writes.shares:
        session.execute(_UPDATE_SHARES, [{"_id": i, "share_count": n} for i, n in writes.shares.items()])
    _insert(session, PersonCandidate.__table__, writes.inserts.get(PersonCandidate))
    if writes.candidates_changed:
        table = PersonCandidate.__table__
        session.execute(update(table).where(table.c.id == bindparam("_id")).values(evidence=bindparam("evidence")),
                        [{"_id": i, "evidence": e} for i, e in writes.candidates_changed.items()])
    for table in _LATER:
        _insert(session, table.__table__, writes.inserts.get(table))


def _insert(session: Session, table: Table, rows: list[dict[str, Any]] | None) -> None:
    if rows:
        session.execute(insert(table), rows)


def _update(session: Session, table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    changed = [name for name in columns if name != "id"]
    statement = update(table).where(table.c.id == bindparam("_id")).values(
        {name: bindparam(f"v_{name}") for name in changed})
    session.execute(statement, [{"_id": r["id"], **{f"v_{n}": r[n] for n in changed}} for r in rows])
