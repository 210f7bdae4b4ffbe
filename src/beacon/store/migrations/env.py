"""Alembic environment: the engine is handed in by beacon.store.migrate."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from beacon.store.schema import is_modelled, metadata
from beacon.store.tables import UtcDateTime

def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write UTC columns as plain DateTime(timezone=True): the UTC conversion is Python-side."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
engine = config.attributes["engine"]

def check_foreign_keys(connection: Connection) -> None:
    """SQLite: what the switched-off checks would have refused, refused now, before the commit."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"migration left rows pointing at nothing (table, rowid, parent, fk): {broken[:10]}")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """On the driver's connection: through SQLAlchemy it would open a transaction first."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration copies a table and drops the original, which SQLite's foreign keys
        # refuse while other tables point at it; the switch only works outside a transaction.
        _sqlite_pragma(connection, "foreign_keys = OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,  # SQLite cannot ALTER most things
                compare_type=True,
                render_item=render_item,
                include_name=is_modelled,  # not the full-text engines' own tables
            )
            before = set(context.get_context().get_current_heads())
            with context.begin_transaction():
                context.run_migrations()
            # Only after a migration ran: the check reads every table, and serve migrates at each start.
            if sqlite and set(context.get_context().get_current_heads()) != before:
                check_foreign_keys(connection)
    finally:
        if sqlite:
            _sqlite_pragma(connection, "foreign_keys = ON")
