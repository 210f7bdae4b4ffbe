"""People (issue 6): the 360° person page, markers, candidate matches, merges and unmerges, moving
a message to another case, and the monitored community needs. Pages and JSON API. Thin: the rules
live in beacon.people and beacon.routing; every id is scoped to the viewer's force (404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.cases.access import (
    NOT_FOUND, OTHER_FORCE, RESTRICTED_TEAM, Hidden, message_for, person_for, person_is_hidden,
)
from beacon.people.candidates import decide
from beacon.people.errors import Forbidden, NotFound, Refused
from beacon.people.markers import active_markers, remove_marker, set_marker
from beacon.people.merges import merge_persons, unmerge
from beacon.people.roles import check_may_merge, may_merge
from beacon.people.settings import PeopleSettings, load_people_settings
from beacon.people.view import candidates as candidates_view
from beacon.people.view import contact_json, person_view, timeline
from beacon.routing.move import find_case, move_message
from beacon.insight.scope import figure_scope
from beacon.routing.record import monitored_needs
from beacon.store.tables_people import PersonCandidate, PersonMarker, PersonMerge
from beacon.web.deps import ApiViewer, BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, audit_read, render, templates
from beacon.web.problems import Problem
from beacon.web.security import Viewer

router = APIRouter(tags=["people"])
T = TypeVar("T")
Reason = Annotated[str, Form(max_length=1000)]


class MarkerIn(BaseModel):
    kind: str = Field(max_length=32)
    value: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class ConfirmIn(ReasonIn):
    basis: str = Field(max_length=64)


class MergeIn(ConfirmIn):
    other_id: int


class MoveIn(ReasonIn):
    case_reference: str | None = Field(default=None, max_length=32)
    case_id: int | None = None

    @model_validator(mode="after")
    def _names_a_case(self) -> MoveIn:
        if self.case_id is None and not (self.case_reference or "").strip():
            raise ValueError("give case_reference or case_id")
        return self


def _markers_for(request: Request, person_id: int) -> list[PersonMarker]:
    """For the case page's person panel (`_person_markers.html`): the case page has already
    scoped the person to the viewer's force and recorded the read."""
    with request.app.state.beacon.read_session_factory() as session:
        markers = active_markers(session, person_id)
        session.expunge_all()
    return markers


templates.env.globals["person_markers"] = _markers_for


def people_settings(beacon: Beacon) -> PeopleSettings:
    return load_people_settings(beacon.settings.people_path)


def _run(action: Callable[[], T]) -> T:
    """The people rules' typed errors as problem+json: not found 404, forbidden 403, refused 422."""
    try:
        return action()
    except Forbidden as error:
        raise Problem(403, "Not allowed", str(error), "forbidden") from None
    except NotFound as error:
        raise Problem(404, "Not found", f"no {error}", "not_found") from None
    except Refused as error:
        raise Problem(422, "Refused", str(error), "refused") from None


def _person_id(session: Session, viewer: Viewer, person_id: int) -> int:
    """The person, if the viewer may see them (beacon.cases.access); else a recorded 404."""
    person_for(session, viewer.access, person_id)
    return person_id


def _candidate_seen(session: Session, viewer: Viewer, candidate_id: int) -> None:
    """A candidate names two persons: both must be the viewer's to see, or it does not exist."""
    row = session.get(PersonCandidate, candidate_id)
    if row is None or row.force_id != viewer.force_id:
        raise Hidden("candidate", candidate_id, NOT_FOUND if row is None else OTHER_FORCE)
    _both_seen(session, viewer, "candidate", candidate_id, row.person_id, row.other_person_id)


def _both_seen(session: Session, viewer: Viewer, kind: str, ident: int, *person_ids: int) -> None:
    if any(person_is_hidden(session, viewer.access, p) for p in person_ids):
        raise Hidden(kind, ident, RESTRICTED_TEAM)


# --- the 360° page --------------------------------------------------------------------------

@router.get("/persons/{person_id}", include_in_schema=False)
def person_page(
    person_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> HTMLResponse:
    _person_id(session, viewer, person_id)
    view = person_view(session, viewer.access, person_id)
    if view is None:
        raise Problem(404, "Not found", f"no person {person_id}", "not_found")
    others = [c.other.id for c in view.candidates if c.other is not None]
    audit_read(beacon, viewer, [("person", person_id)], "person page", {"candidates": others} if others else None)
    return render(request, "person.html", viewer=viewer, view=view, settings=people_settings(beacon),
                  may_merge=may_merge(viewer.role))


def _back(person_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/persons/{person_id}{anchor}", status_code=303)


@router.post("/persons/{person_id}/markers", dependencies=[Csrf], include_in_schema=False)
def marker_form(
    person_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    kind: Annotated[str, Form(max_length=32)], value: Annotated[str, Form(max_length=200)], reason: Reason,
) -> Response:
    _add_marker(session, viewer, beacon, person_id, kind, value, reason)
    return _back(person_id, "#markers")


@router.post("/persons/{person_id}/markers/{marker_id}/remove", dependencies=[Csrf], include_in_schema=False)
def marker_remove_form(
    person_id: int, marker_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep, reason: Reason,
) -> Response:
    _remove_marker(session, viewer, beacon, person_id, marker_id, reason)
    return _back(person_id, "#markers")


@router.post("/candidates/{candidate_id}/decide", dependencies=[Csrf], include_in_schema=False)
def candidate_form(
    candidate_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep, reason: Reason,
    decision: Annotated[str, Form(pattern="^(confirm|reject)$")], basis: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    candidate = _decide(session, viewer, beacon, candidate_id, decision == "confirm", reason, basis or None)
    return _back(candidate.person_id, "#candidates")


@router.post("/persons/{person_id}/merge", dependencies=[Csrf], include_in_schema=False)
def merge_form(
    person_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    other_id: Annotated[int, Form()], basis: Annotated[str, Form(max_length=64)], reason: Reason,
) -> Response:
    _merge(session, viewer, beacon, person_id, other_id, basis, reason)
    return _back(person_id, "#merges")


@router.post("/merges/{merge_id}/undo", dependencies=[Csrf], include_in_schema=False)
def undo_form(merge_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep, reason: Reason) -> Response:
    return _back(_unmerge(session, viewer, beacon, merge_id, reason).survivor_id, "#merges")


@router.post("/messages/{message_id}/move", dependencies=[Csrf], include_in_schema=False)
def move_form(
    message_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    case_reference: Annotated[str, Form(max_length=32)], reason: Reason,
) -> Response:
    moved = _move(session, viewer, beacon, message_id, None, case_reference, reason)
    return RedirectResponse(f"/cases/{moved['from_case_id']}", status_code=303)


# --- JSON API -------------------------------------------------------------------------------

@router.get("/api/v1/persons/{person_id}/timeline", summary="Every message of a person, all channels, newest first")
def api_timeline(person_id: int, viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> list[dict[str, Any]]:
    _person_id(session, viewer, person_id)
    audit_read(beacon, viewer, [("person", person_id)], "person timeline (API)")
    return [contact_json(c) for c in timeline(session, viewer.access, person_id)]


@router.get("/api/v1/persons/{person_id}/candidates", summary="Candidate matches with their evidence")
def api_candidates(person_id: int, viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> list[dict[str, Any]]:
    _person_id(session, viewer, person_id)
    found = [c for c in candidates_view(session, viewer.force_id, person_id)  # not a hidden person
             if c.other is None or not person_is_hidden(session, viewer.access, c.other.id)]
    others = [c.other.id for c in found if c.other is not None]
    audit_read(beacon, viewer, [("person", person_id)], "person candidates (API)", {"candidates": others})
    return [
        {"id": c.row.id, "status": c.row.status, "other_person_id": c.other.id if c.other else None,
         "other_name": c.other.display_name if c.other else None, "evidence": c.row.evidence,
         "other_channels": sorted({i.channel for i in c.other_identities}), "decided_by": c.row.decided_by_name,
         "decision_reason": c.row.decision_reason}
        for c in found
    ]


@router.post("/api/v1/persons/{person_id}/markers", status_code=201, dependencies=[Csrf])
def api_add_marker(person_id: int, body: MarkerIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep) -> dict[str, int]:
    return {"id": _add_marker(session, viewer, beacon, person_id, body.kind, body.value, body.reason)}


@router.delete("/api/v1/persons/{person_id}/markers/{marker_id}", dependencies=[Csrf])
def api_delete_marker(
    person_id: int, marker_id: int, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep,
    reason: Annotated[str, Query(min_length=1, max_length=1000)],
) -> dict[str, int]:
    return {"removed": _remove_marker(session, viewer, beacon, person_id, marker_id, reason)}


@router.post("/api/v1/persons/{person_id}/markers/{marker_id}/remove", dependencies=[Csrf])
def api_remove_marker(
    person_id: int, marker_id: int, body: ReasonIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep,
) -> dict[str, int]:
    return {"removed": _remove_marker(session, viewer, beacon, person_id, marker_id, body.reason)}


@router.post("/api/v1/candidates/{candidate_id}/confirm", dependencies=[Csrf])
def api_confirm(candidate_id: int, body: ConfirmIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep) -> dict[str, Any]:
    candidate = _decide(session, viewer, beacon, candidate_id, True, body.reason, body.basis)
    return {"id": candidate.id, "status": candidate.status, "merge_id": candidate.merge_id}


@router.post("/api/v1/candidates/{candidate_id}/reject", dependencies=[Csrf])
def api_reject(candidate_id: int, body: ReasonIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep) -> dict[str, Any]:
    candidate = _decide(session, viewer, beacon, candidate_id, False, body.reason, None)
    return {"id": candidate.id, "status": candidate.status}


@router.post("/api/v1/persons/{person_id}/merge", status_code=201, dependencies=[Csrf])
def api_merge(person_id: int, body: MergeIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep) -> dict[str, Any]:
    return _merge(session, viewer, beacon, person_id, body.other_id, body.basis, body.reason)


@router.post("/api/v1/merges/{merge_id}/undo", dependencies=[Csrf])
def api_undo(merge_id: int, body: ReasonIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep) -> dict[str, Any]:
    merge = _unmerge(session, viewer, beacon, merge_id, body.reason)
    return {"id": merge.id, "survivor_id": merge.survivor_id, "absorbed_id": merge.absorbed_id,
            "undone_at": merge.undone_at.isoformat() if merge.undone_at else None}


@router.post("/api/v1/messages/{message_id}/move", dependencies=[Csrf], summary="Move a message to another case")
def api_move(message_id: int, body: MoveIn, viewer: ApiViewer, session: WriteSession, beacon: BeaconDep) -> dict[str, Any]:
    return _move(session, viewer, beacon, message_id, body.case_id, body.case_reference, body.reason)


@router.get("/api/v1/monitored-needs", summary="Monitored messages counted by beat and need")
def api_monitored_needs(
    viewer: ApiViewer, session: ReadSession, beacon: BeaconDep,
    hours: Annotated[float, Query(gt=0, le=24 * 31)] = 24,
) -> dict[str, Any]:
    """Counts only, no personal data: not a consultation to audit. Restricted teams' cases are
    counted as the force says for the control room (beacon.insight.scope)."""
    since = beacon.clock.now() - timedelta(hours=hours)
    needs = monitored_needs(session, figure_scope(session, viewer.access).counted, since)
    by_beat: dict[str, int] = {}
    for need in needs:
        by_beat[need.beat or "unknown"] = by_beat.get(need.beat or "unknown", 0) + need.count
    return {"since": since.isoformat(), "needs": [{"beat": n.beat, "need": n.need, "count": n.count} for n in needs],
            "by_beat": by_beat}


# --- shared by the pages and the API --------------------------------------------------------

def _add_marker(
    session: Session, viewer: Viewer, beacon: Beacon, person_id: int, kind: str, value: str, reason: str
) -> int:
    _person_id(session, viewer, person_id)
    marker = _run(lambda: set_marker(session, viewer.force_id, person_id, kind=kind, value=value,
                                     reason=reason.strip(), actor=actor_of(viewer), now=beacon.clock.now(),
                                     people=people_settings(beacon)))
    return marker.id


def _remove_marker(session: Session, viewer: Viewer, beacon: Beacon, person_id: int, marker_id: int, reason: str) -> int:
    _person_id(session, viewer, person_id)
    if not reason.strip():
        raise Problem(422, "Refused", "say why the marker no longer applies", "refused")
    marker = _run(lambda: remove_marker(session, viewer.force_id, person_id, marker_id, reason=reason.strip(),
                                        actor=actor_of(viewer), now=beacon.clock.now()))
    return marker.id


def _decide(session: Session, viewer: Viewer, beacon: Beacon, candidate_id: int, confirm: bool, reason: str,
            basis: str | None) -> Any:
    _candidate_seen(session, viewer, candidate_id)
    return _run(lambda: decide(session, viewer.force_id, candidate_id, confirm=confirm, actor=actor_of(viewer),
                               reason=reason.strip(), basis=basis, now=beacon.clock.now(),
                               people=people_settings(beacon)))


def _merge(
    session: Session, viewer: Viewer, beacon: Beacon, person_id: int, other_id: int, basis: str, reason: str
) -> dict[str, Any]:
    _person_id(session, viewer, person_id)  # another force's person is 404 whoever asks
    _person_id(session, viewer, other_id)
    _run(lambda: check_may_merge(viewer.role))
    merge = _run(lambda: merge_persons(session, viewer.force_id, person_id, other_id, actor=actor_of(viewer),
                                       basis=basis, reason=reason.strip(), now=beacon.clock.now(),
                                       people=people_settings(beacon)))
    return {"id": merge.id, "survivor_id": merge.survivor_id, "absorbed_id": merge.absorbed_id,
            "identities": merge.identity_ids, "cases": merge.case_ids}


def _unmerge(session: Session, viewer: Viewer, beacon: Beacon, merge_id: int, reason: str) -> Any:
    merge = session.get(PersonMerge, merge_id)
    if merge is None or merge.force_id != viewer.force_id:  # 404 before 403, as for persons
        raise Hidden("merge", merge_id, NOT_FOUND if merge is None else OTHER_FORCE)
    _both_seen(session, viewer, "merge", merge_id, merge.survivor_id, merge.absorbed_id)
    _run(lambda: check_may_merge(viewer.role))
    return _run(lambda: unmerge(session, viewer.force_id, merge_id, actor=actor_of(viewer), reason=reason,
                                now=beacon.clock.now()))


def _move(
    session: Session, viewer: Viewer, beacon: Beacon, message_id: int, case_id: int | None,
    case_reference: str | None, reason: str,
) -> dict[str, Any]:
    message_for(session, viewer.access, message_id)  # 404 before anything about the target
    target = _run(lambda: find_case(session, viewer.force_id, case_id=case_id, reference=case_reference))
    if not viewer.access.sees_case(target):  # a hidden case is as unknown as a wrong reference
        raise Hidden("case", target.id, RESTRICTED_TEAM)
    moved = _run(lambda: move_message(session, viewer.force_id, message_id, target, actor=actor_of(viewer),
                                      reason=reason, now=beacon.clock.now()))
    return {"message_id": moved.message_id, "from_case_id": moved.from_case.id,
            "from_case_reference": moved.from_case.reference, "to_case_id": moved.to_case.id,
            "to_case_reference": moved.to_case.reference}
