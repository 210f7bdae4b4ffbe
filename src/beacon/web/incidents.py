"""Incidents: clusters of reports with their counts, and supervisors' split and merge."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from beacon.audit import Actor
from beacon.cases.access import message_for
from beacon.noise import NoiseError
from beacon.noise import queries
from beacon.store.tables_noise import IncidentRow
from beacon.web.deps import ApiViewer, BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import render
from beacon.web.problems import Problem
from beacon.web.security import Viewer

router = APIRouter(tags=["incidents"])
LIVE = timedelta(hours=24)


class IncidentOut(BaseModel):
    id: int
    title: str
    first_at: str
    last_at: str
    messages: int
    reports: int
    reporters: int
    priority: str | None
    attention: str | None
    surging: bool
    case_id: int | None


class ItemOut(BaseModel):
    message_id: int
    channel: str
    author: str
    text: str
    priority: str | None
    shares: int
    created_at: str


class SplitIn(BaseModel):
    reason: str = Field(min_length=3, max_length=1000)


class MergeIn(BaseModel):
    absorb_id: int
    reason: str = Field(min_length=3, max_length=1000)


def _out(row: IncidentRow) -> IncidentOut:
    return IncidentOut(
        id=row.id, title=row.title, first_at=row.first_at.isoformat(), last_at=row.last_at.isoformat(),
        messages=row.messages, reports=row.reports, reporters=row.reporters, priority=row.priority,
        attention=row.attention, surging=row.surging, case_id=row.case_id,
    )


def _require_supervisor(viewer: Viewer) -> None:
    if not viewer.is_supervisor:
        raise Problem(403, "Not allowed", "only supervisors split or merge incidents", "supervisor_only")


def _actor(viewer: Viewer) -> Actor:
    return Actor("user", viewer.id, viewer.display_name)


@router.get("/api/v1/incidents", response_model=list[IncidentOut], summary="Live incidents, most urgent first")
def list_incidents(viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> list[IncidentOut]:
    since = beacon.clock.now() - LIVE
    return [_out(row) for row in queries.live_incidents(session, viewer.access, since)]


@router.get("/api/v1/incidents/{incident_id}/items", response_model=list[ItemOut])
def incident_items(incident_id: int, viewer: ApiViewer, session: ReadSession) -> list[ItemOut]:
    incident = queries.incident_for(session, viewer.access, incident_id)
    return [
        ItemOut(message_id=m.id, channel=m.channel, author=m.author_name or m.author_handle or m.author_id,
                text=m.text, priority=m.priority, shares=m.share_count, created_at=m.created_at.isoformat())
        for m in queries.incident_items(session, incident, access=viewer.access)
    ]


@router.post("/api/v1/incidents/{incident_id}/merge", response_model=IncidentOut, dependencies=[Csrf])
def merge_incidents(incident_id: int, body: MergeIn, viewer: ApiViewer, session: WriteSession,
                    beacon: BeaconDep) -> IncidentOut:
    # Before the role check: another force's ids stay unseen.
    keep = queries.incident_for(session, viewer.access, incident_id)
    absorb = queries.incident_for(session, viewer.access, body.absorb_id)
    _require_supervisor(viewer)
    try:
        merged = beacon.noise.merge(session, keep, absorb, _actor(viewer), body.reason, beacon.clock.now())
    except NoiseError as error:
        raise Problem(409, "Cannot merge", str(error), "noise_override_refused") from None
    return _out(merged)


@router.post("/api/v1/messages/{message_id}/split", response_model=IncidentOut, dependencies=[Csrf])
def split_message(message_id: int, body: SplitIn, viewer: ApiViewer, session: WriteSession,
                  beacon: BeaconDep) -> IncidentOut:
    message = message_for(session, viewer.access, message_id)
    _require_supervisor(viewer)
    try:
        incident = beacon.noise.split(session, message, _actor(viewer), body.reason, beacon.clock.now())
    except NoiseError as error:
        raise Problem(409, "Cannot split", str(error), "noise_override_refused") from None
    return _out(incident)


@router.get("/incidents", include_in_schema=False)
def incidents_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    since = beacon.clock.now() - LIVE
    rows = queries.live_incidents(session, viewer.access, since)
    items = {row.id: queries.incident_items(session, row, limit=50, access=viewer.access) for row in rows}
    return render(request, "incidents.html", viewer=viewer, rows=rows, items=items)


@router.post("/incidents/{incident_id}/merge", include_in_schema=False, dependencies=[Csrf])
def merge_form(incident_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
               absorb_id: Annotated[int, Form()], reason: Annotated[str, Form(min_length=3, max_length=1000)]) -> Response:
    merge_incidents(incident_id, MergeIn(absorb_id=absorb_id, reason=reason), viewer, session, beacon)
    return RedirectResponse(f"/incidents#incident-{incident_id}", status_code=303)


@router.post("/messages/{message_id}/split", include_in_schema=False, dependencies=[Csrf])
def split_form(message_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
               reason: Annotated[str, Form(min_length=3, max_length=1000)]) -> Response:
    incident = split_message(message_id, SplitIn(reason=reason), viewer, session, beacon)
    return RedirectResponse(f"/incidents#incident-{incident.id}", status_code=303)
