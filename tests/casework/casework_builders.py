"""Staff, shifts and cases for case-work tests, so each test states only what matters to it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from tests.builders import inbound

from beacon.bootstrap import Beacon
from beacon.cases.rota import put_on_shift
from beacon.cases.settings import CaseworkSettings, shipped_casework
from beacon.cases.tick import TickReport, casework_tick
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import team_id
from beacon.store.tables import Force, Message
from beacon.store.tables_casework import StaffContact

PASSWORD = "correct horse battery"
NIGHT = date(2026, 11, 28)  # the conftest clock starts at 23:00 UTC that day: the night shift


def staff(
    beacon: Beacon, username: str, role: Role = Role.HANDLER, *, phone: str | None = None,
    email: str | None = None, force: str = "demo",
) -> int:
    with beacon.session_factory.begin() as session:
        user = create_user(session, force_slug=force, username=username, password=PASSWORD, role=role,
                           display_name=username.title(), team="General")
        session.add(StaffContact(user_id=user.id, phone=phone, email=email))
        return user.id


def on_shift(
    beacon: Beacon, user_id: int, chain_role: str, team: str | None = "General",
    pattern: str = "night", day: date = NIGHT, settings: CaseworkSettings | None = None,
    force: str = "demo",
) -> None:
    with beacon.session_factory.begin() as session:
        force_id = session.scalars(select(Force.id).where(Force.slug == force)).one()
        put_on_shift(session, settings or shipped_casework(), force_id=force_id, user_id=user_id,
                     team_id=team_id(session, force_id, team) if team else None, role=chain_role,
                     pattern=pattern, day=day)


def case_from(beacon: Beacon, text: str = "He has a knife", **overrides: object) -> int:
    """Ingest one message and return the case it opened (or joined)."""
    [accepted] = beacon.ingest([inbound(text=text, **overrides)])
    with beacon.read_session_factory() as session:
        case_id = session.get_one(Message, accepted.message_id).case_id
    assert case_id is not None
    return case_id


def tick(beacon: Beacon, settings: CaseworkSettings | None = None) -> TickReport:
    with beacon.session_factory.begin() as session:
        return casework_tick(session, settings or shipped_casework(), beacon.clock.now())
