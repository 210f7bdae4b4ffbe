"""Pages for case work: take, release, reassign and acknowledge a case; the alerts bar; the
handover packs; who is on. Thin: the rules live in beacon.cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.cases.assignment import AssignmentError, reassign, release, take
from beacon.cases.casework_view import open_alerts
from beacon.cases.escalation import acknowledge_case
from beacon.cases.handover import (
    HandoverError,
    acknowledge_handover,
    complete_handover,
    draft_handover,
    get_handover,
    handovers_of,
)
from beacon.cases.rota import on_duty
from beacon.cases.settings import casework_for
from beacon.store.tables import Case, Team, User
from beacon.store.tables_casework import Alert
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
    take(session, case_or_404(session, viewer.force_id, case_id), actor_of(viewer), beacon.clock.now())
    return _back(case_id)


@router.post("/cases/{case_id}/release", dependencies=[Csrf])
def release_case(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    release(session, case_or_404(session, viewer.force_id, case_id), actor_of(viewer), reason.strip(), beacon.clock.now())
    return _back(case_id)


@router.post("/cases/{case_id}/reassign", dependencies=[Csrf])
def reassign_case(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    to_user: Annotated[int, Form()], reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        reassign(session, case_or_404(session, viewer.force_id, case_id), to_user, actor_of(viewer), reason, beacon.clock.now())
    except AssignmentError as error:
        raise Problem(422, "Cannot reassign", str(error), "reassign_refused") from None
    return _back(case_id)


@router.post("/cases/{case_id}/acknowledge", dependencies=[Csrf])
def acknowledge(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    acknowledge_case(session, case_or_404(session, viewer.force_id, case_id), actor_of(viewer), "web", beacon.clock.now())
    return _back(case_id)


# --- the alerts bar (web push): polled by every page --------------------------------------

@router.get("/alerts/bar")
def alerts_bar(request: Request, viewer: PageViewer, session: ReadSession) -> HTMLResponse:
    """Reference, priority and cause only: no personal data, so not a consultation to audit."""
    return render(request, "_alerts_bar.html", viewer=viewer, alerts=open_alerts(session, viewer.force_id, viewer.id))


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[Csrf])
def acknowledge_alert(
    alert_id: int, request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep
) -> Response:
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, Alert.force_id == viewer.force_id))
    if alert is None:
        raise Problem(404, "Not found", f"no alert {alert_id}", "not_found")
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
    return render(request, "handovers.html", viewer=viewer, teams=teams, names=names,
                  handovers=handovers_of(session, viewer.force_id), team_names={t.id: t.name for t in teams})


@router.post("/handovers", dependencies=[Csrf])
def handover_start(
    viewer: PageViewer, session: WriteSession, beacon: BeaconDep, team_id: Annotated[int, Form()]
) -> Response:
    team = session.scalar(select(Team).where(Team.id == team_id, Team.force_id == viewer.force_id))
    if team is None:
        raise Problem(404, "Not found", f"no queue {team_id}", "not_found")
    handover = draft_handover(session, casework_for(beacon.settings.casework_path), force_id=viewer.force_id,
                              team_id=team.id, outgoing=actor_of(viewer), now=beacon.clock.now())
    return RedirectResponse(f"/handovers/{handover.id}", status_code=303)


@router.get("/handovers/{handover_id}")
def handover_page(
    handover_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> HTMLResponse:
    handover = get_handover(session, viewer.force_id, handover_id)
    if handover is None:
        raise Problem(404, "Not found", f"no handover {handover_id}", "not_found")
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
    handover = get_handover(session, viewer.force_id, handover_id)
    if handover is None:
        raise Problem(404, "Not found", f"no handover {handover_id}", "not_found")
    try:
        complete_handover(session, handover, actor_of(viewer), notes, beacon.clock.now())
    except HandoverError as error:
        raise Problem(409, "Cannot complete", str(error), "handover_refused") from None
    return RedirectResponse(f"/handovers/{handover_id}", status_code=303)


@router.post("/handovers/{handover_id}/acknowledge", dependencies=[Csrf])
def handover_acknowledge(handover_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    handover = get_handover(session, viewer.force_id, handover_id)
    if handover is None:
        raise Problem(404, "Not found", f"no handover {handover_id}", "not_found")
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
