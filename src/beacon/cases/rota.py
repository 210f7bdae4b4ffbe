"""Shift patterns and who is on: the rota says who the escalation chain can reach right now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.cases.settings import CaseworkSettings
from beacon.store.tables_casework import RotaShift

ROLES = ("handler", "supervisor", "inspector")


class RotaError(ValueError):
    """A shift cannot be added as asked (unknown pattern or role)."""


def shift_window(settings: CaseworkSettings, pattern: str, day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of `pattern` starting on local `day`; nights end the next day."""
    found = settings.shifts.patterns.get(pattern)
    if found is None:
        raise RotaError(f"unknown shift pattern {pattern!r}; known: {', '.join(settings.shifts.patterns)}")
    zone = ZoneInfo(settings.shifts.timezone)
    end_day = day + timedelta(days=1) if found.end <= found.start else day
    starts = datetime.combine(day, found.start, tzinfo=zone).astimezone(UTC)
    ends = datetime.combine(end_day, found.end, tzinfo=zone).astimezone(UTC)
    return starts, ends


def put_on_shift(
    session: Session, settings: CaseworkSettings, *, force_id: int, user_id: int,
    team_id: int | None, role: str, pattern: str, day: date,
) -> RotaShift:
    if role not in ROLES:
        raise RotaError(f"unknown role {role!r}; use {', '.join(ROLES)}")
    starts, ends = shift_window(settings, pattern, day)
    shift = RotaShift(force_id=force_id, user_id=user_id, team_id=team_id, role=role,
                      pattern=pattern, starts_at=starts, ends_at=ends)
    session.add(shift)
    session.flush()
    return shift


def on_duty(
    session: Session, force_id: int, now: datetime, *, role: str | None = None,
    team_id: int | None = None,
) -> list[RotaShift]:
    """Shifts running now, in rota order. With a team, force-wide shifts count as in it."""
    query = select(RotaShift).where(
        RotaShift.force_id == force_id, RotaShift.starts_at <= now, RotaShift.ends_at > now
    )
    if role is not None:
        query = query.where(RotaShift.role == role)
    if team_id is not None:
        query = query.where(or_(RotaShift.team_id == team_id, RotaShift.team_id.is_(None)))
    return list(session.scalars(query.order_by(RotaShift.id)))


def current_shift_of(session: Session, user_id: int, now: datetime) -> RotaShift | None:
    return session.scalar(
        select(RotaShift)
        .where(RotaShift.user_id == user_id, RotaShift.starts_at <= now, RotaShift.ends_at > now)
        .order_by(RotaShift.id)
        .limit(1)
    )
