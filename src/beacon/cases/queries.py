"""Reads for the desk, always scoped to one force: another force's record is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, visible_cases
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.cases.sla import ClockView, clocks_by_case, next_clock
from beacon.store.tables import Case, CaseEntry, Identity, Message, Person, Team, User
from beacon.store.tables_casework import Alert

_PRIORITY_RANK = sql_case(
    {"P1": 1, "P2": 2, "P3": 3, "P4": 4}, value=Case.priority, else_=5
)


@dataclass(frozen=True)
class InboxRow:
    id: int
    reference: str
    title: str
    priority: str
    status: str
    category: str | None
    vulnerable: bool
    created_at: Any
    first_contact_at: Any
    updated_at: Any
    messages: int
    channels: list[str]
    assignee: str | None
    clock: ClockView | None = None  # the milestone that matters next (with `now` only)
    alerting: bool = False  # an alert nobody has acknowledged yet


@dataclass(frozen=True)
class InboxFilter:
    """Narrow the inbox to one queue (team), channel, category (or its sub-kinds) or beat."""

    team_id: int | None = None
    channel: str | None = None
    category: str | None = None
    beat: str | None = None

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        if self.team_id is not None:
            found.append(Case.team_id == self.team_id)
        if self.category:
            found.append(or_(Case.category == self.category, Case.category.startswith(f"{self.category}.")))
        if self.channel:
            found.append(_has_message(Message.channel == self.channel))
        if self.beat:
            found.append(_has_message(Message.triage["place"]["beat"].as_string() == self.beat))
        return found


def _has_message(condition: Any) -> Any:
    return exists().where(Message.case_id == Case.id, condition)


def inbox(session: Session, access: Access, limit: int = 200, now: datetime | None = None,
          filters: InboxFilter | None = None) -> list[InboxRow]:
    """Open cases the viewer may see, most urgent first, then the citizen who has waited longest.

    Given `now`, each row also carries its SLA clock and whether it has an open alert.
    """
    rows = session.execute(
        select(Case, User.display_name)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(visible_cases(access), Case.status.in_([s.value for s in OPEN_STATUSES]),
               *(filters or InboxFilter()).conditions())
        .order_by(_PRIORITY_RANK, Case.first_contact_at, Case.id)
        .limit(limit)
    ).all()
    case_ids = [c.id for c, _ in rows]
    counts = _message_counts(session, case_ids)  # only the rows shown: cost independent of store size
    channels = _channels_by_case(session, case_ids)
    clocks = clocks_by_case(session, case_ids, now) if now is not None else {}
    alerting = _alerting(session, case_ids) if now is not None else set()
    return [
        InboxRow(
            c.id, c.reference, c.title, c.priority, c.status, c.category, c.vulnerable,
            c.created_at, c.first_contact_at, c.updated_at, counts.get(c.id, 0), channels.get(c.id, []),
            assignee, next_clock(clocks.get(c.id, [])), c.id in alerting,
        )
        for c, assignee in rows
    ]


def _message_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(Message.case_id, func.count(Message.id))
        .where(Message.case_id.in_(case_ids))
        .group_by(Message.case_id)
    )
    return {case_id: count for case_id, count in rows}


def inbox_choices(session: Session, access: Access) -> dict[str, list[Any]]:
    """What the inbox can be filtered by: the queues the viewer sees, categories and beats in use."""
    open_cases = and_(visible_cases(access), Case.status.in_([s.value for s in OPEN_STATUSES]))
    teams = session.execute(select(Team.id, Team.name).where(
        Team.force_id == access.force_id, Team.id.not_in(sorted(access.hidden_teams))).order_by(Team.name)).all()
    categories = session.scalars(
        select(Case.category).where(open_cases, Case.category.is_not(None))
        .distinct().order_by(Case.category)
    ).all()
    beat = Message.triage["place"]["beat"].as_string()
    beats = session.scalars(
        select(beat).join(Case, Case.id == Message.case_id)
        .where(open_cases, beat.is_not(None)).distinct().order_by(beat)
    ).all()
    return {"teams": list(teams), "categories": list(categories), "beats": list(beats)}


def _alerting(session: Session, case_ids: list[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(session.scalars(
        select(Alert.case_id).where(Alert.case_id.in_(case_ids), Alert.acknowledged_at.is_(None))
    ))


def _channels_by_case(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    if not case_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(Message.case_id, Message.channel)
        .where(Message.case_id.in_(case_ids))
        .distinct()
        .order_by(Message.case_id, Message.channel)
    )
    for case_id, channel in rows:
        if case_id is not None:
            found.setdefault(case_id, []).append(channel)
    return found


def get_case(session: Session, force_id: int, case_id: int) -> Case | None:
    return session.scalar(select(Case).where(Case.id == case_id, Case.force_id == force_id))


def timeline(session: Session, case_id: int) -> list[tuple[CaseEntry, Message | None, str | None]]:
    """Each entry with its message (if any) and the staff member who wrote it (if any)."""
    return [
        (entry, message, author)
        for entry, message, author in session.execute(
            select(CaseEntry, Message, User.display_name)
            .outerjoin(Message, Message.id == CaseEntry.message_id)
            .outerjoin(User, User.id == CaseEntry.user_id)
            .where(CaseEntry.case_id == case_id)
            .order_by(CaseEntry.created_at, CaseEntry.id)
        ).all()
    ]


def get_message(session: Session, force_id: int, message_id: int) -> Message | None:
    return session.scalar(
        select(Message).where(Message.id == message_id, Message.force_id == force_id)
    )


def get_person(session: Session, force_id: int, person_id: int) -> Person | None:
    return session.scalar(
        select(Person).where(Person.id == person_id, Person.force_id == force_id)
    )


def identities_of(session: Session, person_id: int) -> list[Identity]:
    return list(session.scalars(select(Identity).where(Identity.person_id == person_id)))


def staff_of_force(session: Session, force_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.force_id == force_id, User.active.is_(True)).order_by(User.display_name)
        )
    )
