"""Pages for case work: take, release, reassign, move to a team and acknowledge a case; the
alerts bar; the handover packs; who is on. Thin: the rules live in beacon.cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.cases.access import alert_for, handover_for, team_for
from beacon.cases.assignment import AssignmentError, move_to_team_as, reassign_as, release, take
from beacon.cases.casework_view import open_alerts
from beacon.cases.escalation import acknowledge_case
from beacon.cases.handover import (
    HandoverError,
    acknowledge_handover,
    complete_handover,
    draft_handover,
    handovers_of,
)
from beacon.cases.roles import Export, check_may_export, may_export
from beacon.cases.rota import on_duty
from beacon.cases.settings import casework_for
from beacon.store.tables import Case, Team, User
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, audit_read, case_or_404, render
from beacon.web.problems import Problem

router = APIRouter(include_in_schema=False)


def _staff_names(session: Session, force_id: int) -> dict[int, str]:
    return {user.id: user.display_name for user in session.scalars(select(User).where(User.force_id == force_id))}


def _back(case_id: int) -> Response:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


# --- holding a case ------------------------------------------------------------------------

@router.post("/cases/{case_id}/take", dependencies=[Csrf])
def take_case(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    take(session, case_or_404(session, viewer, case_id), actor_of(viewer), beacon.clock.now())
    return _back(case_id)


@router.post("/cases/{case_id}/release", dependencies=[Csrf])
def release_case(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    release(session, case_or_404(session, viewer, case_id), actor_of(viewer), reason.strip(), beacon.clock.now())
    return _back(case_id)


@router.post("/cases/{case_id}/reassign", dependencies=[Csrf])
def reassign_case(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    to_user: Annotated[int, Form()], reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    case = case_or_404(session, viewer, case_id)
    try:
        reassign_as(session, viewer.access, case, to_user, actor_of(viewer), reason, beacon.clock.now())
    except AssignmentError as error:
        raise Problem(422, "Cannot reassign", str(error), "reassign_refused") from None
    return _back(case_id)


@router.post("/cases/{case_id}/team", dependencies=[Csrf])
def move_case_to_team(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    team_id: Annotated[int, Form()], reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    case = case_or_404(session, viewer, case_id)
    try:
        move_to_team_as(session, viewer.access, case, team_id, actor_of(viewer), reason, beacon.clock.now())
    except AssignmentError as error:
        raise Problem(422, "Cannot move", str(error), "move_refused") from None
    return _back(case_id)


@router.post("/cases/{case_id}/acknowledge", dependencies=[Csrf])
def acknowledge(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    acknowledge_case(session, case_or_404(session, viewer, case_id), actor_of(viewer), "web", beacon.clock.now())
    return _back(case_id)


# --- the alerts bar (web push): polled by every page --------------------------------------

@router.get("/alerts/bar")
def alerts_bar(request: Request, viewer: PageViewer, session: ReadSession) -> HTMLResponse:
    """Reference, priority and cause only: no personal data, so not a consultation to audit."""
    return render(request, "_alerts_bar.html", viewer=viewer, alerts=open_alerts(session, viewer.access))


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[Csrf])
def acknowledge_alert(
    alert_id: int, request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep
) -> Response:
    alert = alert_for(session, viewer.access, alert_id)
    acknowledge_case(session, session.get_one(Case, alert.case_id), actor_of(viewer), "web", beacon.clock.now())
    if request.headers.get("hx-request"):
        session.flush()
        return alerts_bar(request, viewer, session)
    return _back(alert.case_id)


# --- handover ------------------------------------------------------------------------------

@router.get("/handovers")
def handover_list(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    teams = list(session.scalars(select(Team).where(Team.force_id == viewer.force_id).order_by(Team.name)))
    names = _staff_names(session, viewer.force_id)
    # Only the queues whose pack the viewer may draft are offered (beacon.cases.roles).
    offered = [t for t in teams if may_export(viewer.access, Export.HANDOVER_PACK, t.id)]
    return render(request, "handovers.html", viewer=viewer, teams=offered, names=names,
                  handovers=handovers_of(session, viewer.access), team_names={t.id: t.name for t in teams})


@router.post("/handovers", dependencies=[Csrf])
def handover_start(
    viewer: PageViewer, session: WriteSession, beacon: BeaconDep, team_id: Annotated[int, Form()]
) -> Response:
    team = team_for(session, viewer.access, team_id)
    check_may_export(viewer.access, Export.HANDOVER_PACK, team.id)
    handover = draft_handover(session, casework_for(beacon.settings.casework_path), force_id=viewer.force_id,
                              team_id=team.id, outgoing=actor_of(viewer), now=beacon.clock.now())
    return RedirectResponse(f"/handovers/{handover.id}", status_code=303)


@router.get("/handovers/{handover_id}")
def handover_page(
    handover_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> HTMLResponse:
    handover = handover_for(session, viewer.access, handover_id)
    audit_read(beacon, viewer, [("handover", handover.id)], "handover pack")
    names = _staff_names(session, viewer.force_id)
    team = session.get(Team, handover.team_id)
    return render(request, "handover.html", viewer=viewer, handover=handover, names=names,
                  queue=team.name if team else "")


@router.post("/handovers/{handover_id}/complete", dependencies=[Csrf])
def handover_complete(
    handover_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    notes: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    handover = handover_for(session, viewer.access, handover_id)
    try:
        complete_handover(session, handover, actor_of(viewer), notes, beacon.clock.now())
    except HandoverError as error:
        raise Problem(409, "Cannot complete", str(error), "handover_refused") from None
    return RedirectResponse(f"/handovers/{handover_id}", status_code=303)


@router.post("/handovers/{handover_id}/acknowledge", dependencies=[Csrf])
def handover_acknowledge(handover_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    handover = handover_for(session, viewer.access, handover_id)
    try:
        acknowledge_handover(session, handover, actor_of(viewer), beacon.clock.now())
    except HandoverError as error:
        raise Problem(409, "Cannot acknowledge", str(error), "handover_refused") from None
    return RedirectResponse(f"/handovers/{handover_id}", status_code=303)


# --- who is on -----------------------------------------------------------------------------

@router.get("/rota")
def rota_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    """Staff names and shifts only (no citizen data), so not a consultation to audit."""
    shifts = on_duty(session, viewer.force_id, beacon.clock.now())
    names = _staff_names(session, viewer.force_id)
    teams = {t.id: t.name for t in session.scalars(select(Team).where(Team.force_id == viewer.force_id))}
    return render(request, "rota.html", viewer=viewer, shifts=shifts, names=names, teams=teams)
