"""Engine and session set-up for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from beacon.storable import storable_parameters


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, parsed.database, **kwargs)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    _replace_unstorable_characters(engine)
    return engine


def _replace_unstorable_characters(engine: Engine) -> None:
    """Every string bound to any statement has NUL and lone surrogates replaced (U+FFFD).

    The last line of defence, so no input anywhere (a note, a search box, a header someone put
    in a row) can turn into a database error: intake already cleans messages explicitly, and
    raw bodies that must stay byte-exact are kept as base64 before they get here.
    """

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _storable(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                  _executemany: bool) -> tuple[str, Any]:
        return statement, storable_parameters(parameters)


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, issue BEGIN, so SAVEPOINTs and the
        # IMMEDIATE mode below work as documented.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # WAL lets the web pages read while the pipeline writes; synchronous=FULL because a
        # message is acknowledged as soon as it is committed and must survive a power cut.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then
        # writes fails at once in WAL mode if another writer committed in between.
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', '')}")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for work that writes (on SQLite they BEGIN IMMEDIATE; elsewhere no change)."""
    return sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for pages and reports that only read, so they never wait for the write lock."""
    return sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
