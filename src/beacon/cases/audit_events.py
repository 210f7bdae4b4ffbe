"""What case work records in the audit log, in one place so every caller says it the same way.

Object types are stored: never rename one, only add.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from beacon.audit.log import Action, Actor, append_event


def user_actor(user_id: int, name: str) -> Actor:
    return Actor("user", user_id, name)


def record(
    session: Session, actor: Actor, action: Action, object_type: str, object_id: int | str,
    force_id: int | None, now: datetime, reason: str = "", data: dict[str, Any] | None = None,
) -> None:
    append_event(
        session, actor=actor, action=action, object_type=object_type, object_id=object_id,
        at=now, force_id=force_id, reason=reason, data=data,
    )


def record_reads(
    session_factory: sessionmaker[Session], actor: Actor, force_id: int, now: datetime,
    objects: list[tuple[str, int | str]], reason: str, data: dict[str, Any] | None = None,
) -> None:
    """A consultation, written in its own short transaction: pages read from a read-only
    session, and the read must be on the record before the page is shown."""
    with session_factory.begin() as session:
        for object_type, object_id in objects:
            record(session, actor, Action.READ, object_type, object_id, force_id, now, reason, data)
