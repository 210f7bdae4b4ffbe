"""The signed-in JSON API. Every record is looked up through beacon.cases.access: another force's
id, or a restricted team's the viewer is not in, is the 404 of an id that does not exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from beacon.cases import queries
from beacon.cases.access import case_for, message_for, person_for
from beacon.cases.assignment import AssignmentError, move_to_team_as, reassign_as
from beacon.cases.lifecycle import Status, add_note, change_status
from beacon.store.tables import Case, Message
from beacon.audit.log import Action
from beacon.cases.audit_events import record
from beacon.web.deps import ApiViewer, BeaconDep, Csrf, ReadSession, WriteSession
from beacon.routing.case_disposition import Choice, DispositionRefused, current_disposition, set_case_disposition
from beacon.routing.disposition import Outcome
from beacon.store.tables_desk import CaseDisposition
from beacon.web.case_page import disposition_options
from beacon.web.pages import actor_of, audit_read
from beacon.web.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["desk"])


class CaseSummary(BaseModel):
    id: int
    reference: str
    title: str
    priority: str
    status: str
    category: str | None
    vulnerable: bool
    created_at: datetime
    first_contact_at: datetime
    messages: int
    channels: list[str]
    assignee: str | None


class TimelineEntry(BaseModel):
    id: int
    kind: str
    at: datetime
    body: str
    by: str | None
    message_id: int | None
    channel: str | None
    triage: dict[str, Any] | None


class DispositionOut(BaseModel):
    """A handler's disposition of the case (the latest); the pipeline's are on each message."""

    outcome: str
    reason: str
    partner: str | None
    recipient: str | None
    beat: str | None
    need: str | None
    decided_at: datetime


class CaseDetail(BaseModel):
    id: int
    reference: str
    title: str
    priority: str
    status: str
    category: str | None
    vulnerable: bool
    person_id: int | None
    created_at: datetime
    disposition: DispositionOut | None = None
    timeline: list[TimelineEntry]


class MessageOut(BaseModel):
    id: int
    channel: str
    channel_account: str
    provider_message_id: str
    author_id: str
    author_name: str | None
    text: str
    created_at: datetime
    received_at: datetime
    state: str
    priority: str | None
    categories: list[Any]
    triage: dict[str, Any] | None
    item_id: int | None
    share_count: int
    person_id: int | None
    case_id: int | None
    disposition: str | None
    disposition_reason: str | None


class IdentityOut(BaseModel):
    channel: str
    external_id: str
    handle: str | None
    display_name: str | None


class PersonOut(BaseModel):
    id: int
    display_name: str | None
    identities: list[IdentityOut]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)


class StatusIn(BaseModel):
    status: Status


class DispositionIn(BaseModel):
    outcome: Outcome
    reason: str = Field(default="", max_length=2000)
    partner: str | None = Field(default=None, max_length=64, description="share: a key of the routing policy's partners")
    beat: str | None = Field(default=None, max_length=64, description="monitor: a beat code")
    need: str | None = Field(default=None, max_length=200, description="monitor: what it is counted as")


@router.get("/cases", response_model=list[CaseSummary], summary="Open cases, most urgent first")
def list_cases(viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> list[CaseSummary]:
    rows = queries.inbox(session, viewer.access)
    audit_read(beacon, viewer, [("inbox", viewer.force_id)], "case list (API)", {"cases": [r.id for r in rows]})
    return [CaseSummary.model_validate(row, from_attributes=True) for row in rows]


@router.get("/cases/{case_id}", response_model=CaseDetail)
def read_case(case_id: int, viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> CaseDetail:
    case = case_for(session, viewer.access, case_id)
    audit_read(beacon, viewer, [("case", case.id)], "case (API)")
    return _case_detail(case, queries.timeline(session, case.id), current_disposition(session, case.id))


def _case_detail(
    case: Case, entries: list[tuple[Any, Message | None, str | None]], disposition: CaseDisposition | None
) -> CaseDetail:
    return CaseDetail(
        id=case.id, reference=case.reference, title=case.title, priority=case.priority,
        status=case.status, category=case.category, vulnerable=case.vulnerable,
        person_id=case.person_id, created_at=case.created_at,
        disposition=DispositionOut.model_validate(disposition, from_attributes=True) if disposition else None,
        timeline=[
            TimelineEntry(
                id=entry.id, kind=entry.kind, at=entry.created_at, body=entry.body, by=author,
                message_id=entry.message_id, channel=message.channel if message else None,
                triage=message.triage if message else None,
            )
            for entry, message, author in entries
        ],
    )


@router.post("/cases/{case_id}/notes", status_code=201, dependencies=[Csrf])
def post_note(
    case_id: int, note: NoteIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep
) -> dict[str, int]:
    case = case_for(session, viewer.access, case_id)
    entry = add_note(session, case, viewer.id, note.text, beacon.clock.now())
    session.flush()
    record(session, actor_of(viewer), Action.CHANGED, "case", case.id, case.force_id, beacon.clock.now(),
           "note added", {"entry_id": entry.id})
    return {"id": entry.id}


@router.post("/cases/{case_id}/status", dependencies=[Csrf])
def post_status(
    case_id: int, body: StatusIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep
) -> dict[str, str]:
    case = case_for(session, viewer.access, case_id)
    before = case.status
    if change_status(session, case, body.status, viewer.id, beacon.clock.now()) is not None:
        record(session, actor_of(viewer), Action.CHANGED, "case", case.id, case.force_id, beacon.clock.now(),
               "status changed", {"field": "status", "from": before, "to": body.status.value})
    return {"status": case.status}


@router.post("/cases/{case_id}/disposition", dependencies=[Csrf],
             summary="Set the case's disposition: close, share with a partner, monitor on a beat, or keep as a case")
def post_disposition(
    case_id: int, body: DispositionIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep
) -> dict[str, Any]:
    case = case_for(session, viewer.access, case_id)
    options = disposition_options(beacon, session, case)
    choice = Choice(body.outcome, body.reason, body.partner, body.beat, body.need)
    try:
        row = set_case_disposition(session, case, choice, actor_of(viewer), options.policy, options.beat_codes,
                                   beacon.clock.now())
    except DispositionRefused as refusal:
        raise Problem(422, "Disposition refused", refusal.reason, "disposition_refused",
                      field=refusal.field) from None
    disposition = DispositionOut.model_validate(row, from_attributes=True)
    return {"status": case.status, "disposition": disposition.model_dump(mode="json")}


class ReassignIn(BaseModel):
    user_id: int
    reason: str = Field(min_length=1, max_length=500)


class TeamIn(BaseModel):
    team_id: int
    reason: str = Field(min_length=1, max_length=500)


@router.post("/cases/{case_id}/assignee", dependencies=[Csrf],
             summary="Hand the case to a colleague (handlers: within their own team)")
def post_assignee(
    case_id: int, body: ReassignIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep
) -> dict[str, int | None]:
    case = case_for(session, viewer.access, case_id)
    try:
        reassign_as(session, viewer.access, case, body.user_id, actor_of(viewer), body.reason, beacon.clock.now())
    except AssignmentError as error:
        raise Problem(422, "Cannot reassign", str(error), "reassign_refused") from None
    return {"assignee_id": case.assignee_id}


@router.post("/cases/{case_id}/team", dependencies=[Csrf],
             summary="Move the case to another team's queue (handlers: out of their own team, "
                     "not into a restricted team they are not in)")
def post_team(
    case_id: int, body: TeamIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep
) -> dict[str, int | None]:
    case = case_for(session, viewer.access, case_id)
    try:
        move_to_team_as(session, viewer.access, case, body.team_id, actor_of(viewer), body.reason, beacon.clock.now())
    except AssignmentError as error:
        raise Problem(422, "Cannot move", str(error), "move_refused") from None
    return {"team_id": case.team_id, "assignee_id": case.assignee_id}


@router.get("/messages/{message_id}", response_model=MessageOut)
def read_message(message_id: int, viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> MessageOut:
    message = message_for(session, viewer.access, message_id)
    audit_read(beacon, viewer, [("message", message.id)], "message (API)")
    return MessageOut.model_validate(message, from_attributes=True)


@router.get("/persons/{person_id}", response_model=PersonOut)
def read_person(person_id: int, viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> PersonOut:
    person = person_for(session, viewer.access, person_id)
    audit_read(beacon, viewer, [("person", person.id)], "person (API)")
    identities = [
        IdentityOut.model_validate(i, from_attributes=True)
        for i in queries.identities_of(session, person.id)
    ]
    return PersonOut(id=person.id, display_name=person.display_name, identities=identities)
