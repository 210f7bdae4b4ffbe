"""The case page, and the handler's disposition of the case from it. Thin: the rules live in
beacon.routing.case_disposition; the JSON API's twin route is in web/api.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action
from beacon.bootstrap import Beacon
from beacon.cases import queries
from beacon.cases.assignment import reassign_choices, team_choices
from beacon.cases.audit_events import record
from beacon.cases.case_merges import survivor_of
from beacon.cases.relations import relations_of
from beacon.cases.roles import Export, may_export, may_merge_cases
from beacon.cases.casework_view import case_panel
from beacon.cases.lifecycle import Status
from beacon.routing.case_disposition import (
    Choice, DispositionRefused, current_disposition, describe, set_case_disposition,
)
from beacon.routing.disposition import Outcome
from beacon.routing.policy import Policy, load_policy
from beacon.store.tables import Case, Message
from beacon.web.case_relations import shown_cases
from beacon.web.control_room import beat_map_from
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, audit_read, case_or_404, render
from beacon.web.security import Viewer

router = APIRouter(include_in_schema=False)
OUTCOME_LABELS = {
    "case": "Keep as a case", "close": "Close", "share": "Share with a partner", "monitor": "Monitor on a beat",
}


@dataclass(frozen=True)
class DispositionOptions:
    """What the disposition form offers for this case, and what it accepts."""

    policy: Policy
    beats: list[tuple[str, str]]  # (code, name), the control room's beats first
    case_beat: str | None  # where triage placed the case's latest message

    @property
    def beat_codes(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.beats)


def disposition_options(beacon: Beacon, session: Session, case: Case) -> DispositionOptions:
    beats = [(b.code, b.name) for b in beat_map_from(beacon.settings.beats_map_path).beats]
    case_beat = _case_beat(session, case)
    if case_beat and case_beat not in {code for code, _ in beats}:
        beats.append((case_beat, case_beat))  # triage's table may name a beat the map does not draw
    return DispositionOptions(load_policy(beacon.settings.routing_policy_path), beats, case_beat)


def _case_beat(session: Session, case: Case) -> str | None:
    triage = session.scalar(
        select(Message.triage).where(Message.case_id == case.id, Message.direction == "in")
        .order_by(Message.received_at.desc(), Message.id.desc()).limit(1)
    )
    beat = ((triage or {}).get("place") or {}).get("beat")
    return str(beat) if beat else None


def show_case(request: Request, viewer: Viewer, session: Session, beacon: Beacon, case: Case,
              **extra: Any) -> HTMLResponse:
    person = queries.get_person(session, viewer.force_id, case.person_id) if case.person_id else None
    disposition = current_disposition(session, case.id)
    return render(
        request, "case.html", viewer=viewer, case=case, entries=queries.timeline(session, case.id),
        person=person, identities=queries.identities_of(session, person.id) if person else [],
        statuses=list(Status), work=case_panel(session, case, beacon.clock.now()),
        disposition=disposition, disposition_line=describe(disposition) if disposition else None,
        options=disposition_options(beacon, session, case), outcome_labels=OUTCOME_LABELS,
        hand_to=reassign_choices(session, viewer.access, case), move_to=team_choices(session, viewer.access, case),
        may_see_trail=may_export(viewer.access, Export.TRAIL), may_merge=may_merge_cases(viewer.access),
        relations=relations_of(session, viewer.access, case), **extra,
    )


def _shown(case: Case) -> list[tuple[str, int | str]]:
    return [("case", case.id)] + ([("person", case.person_id)] if case.person_id else [])


@router.get("/cases/{case_id}")
def case_page(
    case_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> Response:
    case = case_or_404(session, viewer, case_id)
    survivor = survivor_of(session, case.id)
    if survivor is not None:  # a merged case's page is its survivor's, under the same wall
        return RedirectResponse(f"/cases/{case_or_404(session, viewer, survivor).id}", status_code=303)
    related = shown_cases(relations_of(session, viewer.access, case))
    audit_read(beacon, viewer, _shown(case), "case page", {"related_cases": related} if related else None)
    return show_case(request, viewer, session, beacon, case)


@router.post("/cases/{case_id}/disposition", dependencies=[Csrf])
def case_disposition(
    case_id: int, request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    outcome: Annotated[str, Form(max_length=12)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    partner: Annotated[str, Form(max_length=64)] = "",
    beat: Annotated[str, Form(max_length=64)] = "",
    need: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Set the case's disposition; a refused form comes back as the case page with the error
    beside the form and the handler's input kept (422), not a bare error page."""
    case = case_or_404(session, viewer, case_id)
    options = disposition_options(beacon, session, case)
    try:
        if outcome not in {o.value for o in Outcome}:
            raise DispositionRefused("outcome", "choose close, share, monitor or keep as a case")
        choice = Choice(Outcome(outcome), reason, partner or None, beat or None, need or None)
        set_case_disposition(session, case, choice, actor_of(viewer), options.policy, options.beat_codes,
                             beacon.clock.now())
    except DispositionRefused as refusal:
        # The page shows the case again: a consultation, recorded in this request's transaction.
        for object_type, object_id in _shown(case):
            record(session, actor_of(viewer), Action.READ, object_type, object_id, case.force_id,
                   beacon.clock.now(), "case page (disposition refused)")
        response = show_case(request, viewer, session, beacon, case, disposition_error=refusal,
                             disposition_input={"outcome": outcome, "reason": reason, "partner": partner,
                                                "beat": beat, "need": need})
        response.status_code = 422
        return response
    return RedirectResponse(f"/cases/{case_id}#disposition-h", status_code=303)
