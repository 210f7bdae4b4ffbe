"""Ids for the rows a batch creates, known before anything is written.

Later messages in a batch refer to what earlier ones created (a person, an incident, a case), and
every row is written at the end in one statement per table, so ids are handed out in memory:
on SQLite from the table's highest id (the writing transaction holds the database's one write
lock, so nobody else can take the next one), on PostgreSQL from the table's sequence, a block
at a time (a rolled-back batch leaves a gap, as sequences always may).
"""

from __future__ import annotations

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

_BLOCK = 64


class Ids:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._next: dict[str, int] = {}  # SQLite: the next free id per table
        self._pool: dict[str, list[int]] = {}  # PostgreSQL: ids taken from the sequence

    def next(self, table: Table) -> int:
        if self._postgres:
            pool = self._pool.setdefault(table.name, [])
            if not pool:
                pool.extend(self._reserve(table.name))
            return pool.pop(0)
        if table.name not in self._next:
            self._next[table.name] = int(self._session.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value

    def _reserve(self, name: str) -> list[int]:
        rows = self._session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": name, "n": _BLOCK},
        )
        return sorted(int(value) for (value,) in rows)
