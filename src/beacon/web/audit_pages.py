"""Audit views for supervisors and auditors: per case, per person, and a CSV export (itself
recorded as a disclosure). Handlers are refused. Thin: no rules here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from beacon.audit.log import Action
from beacon.cases.access import person_for
from beacon.cases.roles import Export, check_may_export
from beacon.cases.audit_events import record
from beacon.cases.audit_trail import to_csv, trail_for_case, trail_for_person
from beacon.web.deps import BeaconDep, PageViewer, ReadSession
from beacon.web.pages import actor_of, audit_read, case_or_404, render
from beacon.web.problems import Problem
from beacon.web.security import Viewer

router = APIRouter(include_in_schema=False)


def _auditor(viewer: Viewer) -> None:
    """After the lookup, so another force's (or a hidden team's) id is a 404 whoever asks."""
    check_may_export(viewer.access, Export.TRAIL)


@router.get("/audit/cases/{case_id}")
def case_trail(
    case_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> HTMLResponse:
    case = case_or_404(session, viewer, case_id)
    _auditor(viewer)
    events = trail_for_case(session, viewer.force_id, case_id)
    audit_read(beacon, viewer, [("audit_trail", f"case:{case_id}")], "audit view")
    return render(request, "audit_trail.html", viewer=viewer, events=events, subject=case.reference,
                  export=f"/audit/export.csv?case_id={case_id}", back=f"/cases/{case_id}")


@router.get("/audit/persons/{person_id}")
def person_trail(
    person_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> HTMLResponse:
    person = person_for(session, viewer.access, person_id)
    _auditor(viewer)
    events = trail_for_person(session, viewer.force_id, person_id)
    audit_read(beacon, viewer, [("audit_trail", f"person:{person_id}")], "audit view")
    return render(request, "audit_trail.html", viewer=viewer, events=events,
                  subject=person.display_name or f"person {person_id}",
                  export=f"/audit/export.csv?person_id={person_id}", back="/")


@router.get("/audit/export.csv")
def export_trail(
    viewer: PageViewer, session: ReadSession, beacon: BeaconDep,
    case_id: int | None = None, person_id: int | None = None,
) -> Response:
    """The trail as CSV. Exporting is a disclosure, so the export itself is on the record."""
    if (case_id is None) == (person_id is None):
        raise Problem(400, "Bad request", "give exactly one of case_id or person_id", "bad_request")
    if case_id is not None:
        case_or_404(session, viewer, case_id)
        events, subject = trail_for_case(session, viewer.force_id, case_id), f"case:{case_id}"
    else:
        assert person_id is not None
        person_for(session, viewer.access, person_id)
        events, subject = trail_for_person(session, viewer.force_id, person_id), f"person:{person_id}"
    _auditor(viewer)
    with beacon.session_factory.begin() as write:
        record(write, actor_of(viewer), Action.DISCLOSED, "audit_trail", subject, viewer.force_id,
               beacon.clock.now(), "audit export (CSV)", {"rows": len(events)})
    filename = subject.replace(":", "-")
    return Response(to_csv(events), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="audit-{filename}.csv"'})
