"""Seed the demo's case work: the demo user on every shift today (as handler and supervisor, all
queues), so the demo shows clocks, auto-assignment and alerts. `beacon demo` calls this."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.cases.rota import put_on_shift
from beacon.cases.settings import CaseworkSettings
from beacon.store.tables import User
from beacon.store.tables_casework import RotaShift, StaffContact


def seed_demo_casework(session: Session, settings: CaseworkSettings, username: str, now: datetime) -> int:
    """Put `username` on every shift pattern from yesterday to tomorrow; returns shifts added."""
    user = session.scalars(select(User).where(User.username == username)).one()
    if session.get(StaffContact, user.id) is None:
        session.add(StaffContact(user_id=user.id, phone="+447700900000", email=f"{username}@demo.invalid"))
    today = now.astimezone(ZoneInfo(settings.shifts.timezone)).date()
    added = 0
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        for pattern in settings.shifts.patterns:
            for role in ("handler", "supervisor"):
                if not _already(session, user.id, role, pattern, settings, day):
                    put_on_shift(session, settings, force_id=user.force_id, user_id=user.id, team_id=None,
                                 role=role, pattern=pattern, day=day)
                    added += 1
    return added


def _already(session: Session, user_id: int, role: str, pattern: str, settings: CaseworkSettings, day: object) -> bool:
    from beacon.cases.rota import shift_window

    starts, _ = shift_window(settings, pattern, day)  # type: ignore[arg-type]
    return session.scalar(select(RotaShift.id).where(
        RotaShift.user_id == user_id, RotaShift.role == role, RotaShift.starts_at == starts)) is not None
