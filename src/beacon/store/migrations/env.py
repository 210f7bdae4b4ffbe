"""Alembic environment: the engine is handed in by beacon.store.migrate."""

from __future__ import annotations

from typing import Any

from alembic import context

from beacon.store.schema import metadata
from beacon.store.tables import UtcDateTime

def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write UTC columns as plain DateTime(timezone=True): the UTC conversion is Python-side."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
