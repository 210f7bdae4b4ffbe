"""Open, attach to, annotate and move cases through their statuses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor, append_event
from beacon.cases.relation_errors import RelationRefused
from beacon.store.forces import team_id
from beacon.store.tables import Case, CaseCounter, CaseEntry, Force, Message
from beacon.store.tables_relations import CaseMerge
from beacon.triage.result import TriageResult


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"  # waiting on the citizen
    CLOSED = "closed"


PIPELINE = Actor.system("beacon pipeline")
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)
PRIORITY_ORDER = ("P1", "P2", "P3", "P4")

# Which team a case lands with, by its first category; the rest go to General.
TEAM_BY_CATEGORY_PREFIX = {
    "domestic_abuse": "Safeguarding",
    "self_harm": "Safeguarding",
    "missing_person": "Safeguarding",
    "road_collision": "Roads",
}


def next_reference(session: Session, force: Force, now: datetime) -> str:
    """A case number short enough to read out: PREFIX-YYMMDD-NNNN, counted per force per day.

    One upsert: two transactions opening the day's first case at once both count, where an
    update-then-insert let the second fail on the primary key (and its message wait for a retry).
    """
    day = now.strftime("%y%m%d")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(CaseCounter).values(force_id=force.id, day=day, value=1)
    value = session.scalar(
        statement.on_conflict_do_update(
            index_elements=[CaseCounter.force_id, CaseCounter.day],
            set_={"value": CaseCounter.value + 1},
        ).returning(CaseCounter.value)
    )
    return f"{force.case_prefix}-{day}-{value:04d}"


# Built once (routing asks it for every message): building a select costs more than running it.
_OPEN_CASE_OF_PERSON = (
    select(Case.id)
    .where(
        Case.force_id == bindparam("force_id"),
        Case.person_id == bindparam("person_id"),
        Case.status.in_([s.value for s in OPEN_STATUSES]),
    )
    .order_by(Case.created_at.desc())
    .limit(1)
)


def open_case_id_for_person(session: Session, force_id: int, person_id: int) -> int | None:
    """The person's newest open case (its id: most callers only need to know there is one)."""
    return session.execute(_OPEN_CASE_OF_PERSON, {"force_id": force_id, "person_id": person_id}).scalar()


def open_case(
    session: Session, message: Message, triage: TriageResult, person_id: int | None, now: datetime
) -> Case:
    force = session.get_one(Force, message.force_id)
    category = triage.categories[0] if triage.categories else None
    team = TEAM_BY_CATEGORY_PREFIX.get((category or "").split(".")[0], "General")
    case = Case(
        force_id=force.id,
        team_id=team_id(session, force.id, team),
        reference=next_reference(session, force, now),
        title=_title(message.text),
        status=Status.NEW.value,
        priority=triage.priority,
        category=category,
        vulnerable=bool(triage.vulnerabilities),
        person_id=person_id,
        created_at=now,
        first_contact_at=min(message.created_at, now),
        updated_at=now,
    )
    session.add(case)
    session.flush()
    append_event(session, actor=PIPELINE, action=Action.CREATED, object_type="case", object_id=case.id,
                 at=now, force_id=case.force_id, reason=f"opened from message {message.id}",
                 data={"message_id": message.id, "priority": case.priority})
    return case


def attach_message(
    session: Session, case: Case, message: Message, reason: str, now: datetime
) -> CaseEntry:
    """Put a message on a case's timeline; a more urgent message raises the case's priority."""
    message.case_id = case.id
    if message.priority and _rank(message.priority) < _rank(case.priority):
        case.priority = message.priority
    if case.status == Status.WAITING.value:
        case.status = Status.OPEN.value  # the citizen answered
    case.updated_at = now
    entry = CaseEntry(
        case_id=case.id,
        kind="message_in" if message.direction == "in" else "message_out",
        message_id=message.id,
        body=message.text,
        data={"reason": reason},
        created_at=now,
    )
    session.add(entry)
    append_event(session, actor=PIPELINE, action=Action.CHANGED, object_type="case", object_id=case.id,
                 at=now, force_id=case.force_id, reason=reason[:1000],
                 data={"message_id": message.id, "field": "timeline"})
    return entry


def add_note(session: Session, case: Case, user_id: int, text: str, now: datetime) -> CaseEntry:
    entry = CaseEntry(case_id=case.id, kind="note", user_id=user_id, body=text, created_at=now)
    case.updated_at = now
    session.add(entry)
    return entry


def change_status(
    session: Session, case: Case, status: Status, user_id: int | None, now: datetime
) -> CaseEntry | None:
    """A merged case stays closed until it is unmerged: reopened, it would be counted as open
    beside the survivor that holds its messages (beacon.cases.case_merges)."""
    if case.status == status.value:
        return None
    if status is not Status.CLOSED and _merged(session, case.id):
        raise RelationRefused(f"{case.reference} was merged into another case: unmerge it to reopen it",
                              "case_merged")
    entry = CaseEntry(
        case_id=case.id,
        kind="status",
        user_id=user_id,
        body=f"{case.status} → {status.value}",
        data={"from": case.status, "to": status.value},
        created_at=now,
    )
    case.status = status.value
    case.closed_at = now if status is Status.CLOSED else None
    case.updated_at = now
    session.add(entry)
    return entry


def _merged(session: Session, case_id: int) -> bool:
    return session.scalar(select(CaseMerge.id).where(CaseMerge.merged_id == case_id, CaseMerge.undone_at.is_(None))
                          .limit(1)) is not None


def _rank(priority: str) -> int:
    return PRIORITY_ORDER.index(priority)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:117] + "…"
