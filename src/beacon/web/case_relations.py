"""Cases that relate (issue 16): link, unlink, parent, detach, merge and unmerge, as the case
page's forms and as the JSON API (`/api/v1/cases/{id}/links` …). Thin: the rules live in
beacon.cases.relations and beacon.cases.case_merges; both cases go through the same wall
(another force's or a hidden restricted team's case is the 404 of one that does not exist), and
a broken rule is answered by web/refusals.py (409 or 422 problem+json, or the error page)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from beacon.cases.case_merges import merge_cases, unmerge_case
from beacon.cases.relations import (
    Related, Relations, detach, find_case, link_cases, relations_of, set_parent, unlink_cases,
)
from beacon.store.tables import Case
from beacon.web.deps import ApiViewer, BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import actor_of, audit_read, case_or_404
from beacon.web.security import Viewer

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["case relations"])
Reason = Annotated[str, Form(max_length=1000)]
Reference = Annotated[str, Form(max_length=32)]


def _back(case_id: int) -> Response:
    return RedirectResponse(f"/cases/{case_id}#relations-h", status_code=303)


# --- the case page's forms -------------------------------------------------------------------

@pages.post("/cases/{case_id}/links", dependencies=[Csrf])
def link_form(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
              reference: Reference, reason: Reason) -> Response:
    case = case_or_404(session, viewer, case_id)
    other = find_case(session, viewer.access, reference=reference)
    link_cases(session, case, other, actor_of(viewer), reason, beacon.clock.now())
    return _back(case_id)


@pages.post("/cases/{case_id}/unlink", dependencies=[Csrf])
def unlink_form(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                other_id: Annotated[int, Form()], reason: Reason) -> Response:
    case = case_or_404(session, viewer, case_id)
    other = find_case(session, viewer.access, case_id=other_id)
    unlink_cases(session, case, other, actor_of(viewer), reason, beacon.clock.now())
    return _back(case_id)


@pages.post("/cases/{case_id}/parent", dependencies=[Csrf])
def parent_form(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                reference: Reference, reason: Reason) -> Response:
    child = case_or_404(session, viewer, case_id)
    parent = find_case(session, viewer.access, reference=reference)
    set_parent(session, child, parent, actor_of(viewer), reason, beacon.clock.now())
    return _back(case_id)


@pages.post("/cases/{case_id}/detach", dependencies=[Csrf])
def detach_form(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                reason: Reason) -> Response:
    child = case_or_404(session, viewer, case_id)
    detach(session, child, actor_of(viewer), reason, beacon.clock.now())
    return _back(case_id)


@pages.post("/cases/{case_id}/merge", dependencies=[Csrf])
def merge_form(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
               reference: Reference, reason: Reason) -> Response:
    merged = case_or_404(session, viewer, case_id)
    survivor = find_case(session, viewer.access, reference=reference)
    merge_cases(session, viewer.access, merged, survivor, actor_of(viewer), reason, beacon.clock.now())
    return _back(survivor.id)


@pages.post("/cases/{case_id}/unmerge", dependencies=[Csrf])
def unmerge_form(case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                 reason: Reason) -> Response:
    merged = case_or_404(session, viewer, case_id)
    unmerge_case(session, viewer.access, merged, actor_of(viewer), reason, beacon.clock.now())
    return _back(case_id)


# --- the JSON API ----------------------------------------------------------------------------

class CaseRef(BaseModel):
    id: int
    reference: str
    title: str
    status: str
    priority: str


class RelatedOut(BaseModel):
    relation_id: int
    case: CaseRef
    reason: str
    by: str
    at: datetime


class MergeOut(BaseModel):
    merge_id: int
    case: CaseRef  # the other case: the survivor (merged_into) or the merged one (merged_from)
    reason: str
    by: str
    at: datetime
    messages: int


class RelationsOut(BaseModel):
    related: list[RelatedOut]
    parent: RelatedOut | None
    children: list[RelatedOut]
    merged_into: MergeOut | None
    merged_from: list[MergeOut]


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class OtherCaseIn(ReasonIn):
    """The other case, by id or by reference (one of them)."""

    case_id: int | None = None
    reference: str | None = Field(default=None, max_length=32)


def _ref(case: Case) -> CaseRef:
    return CaseRef(id=case.id, reference=case.reference, title=case.title, status=case.status, priority=case.priority)


def _related(line: Related) -> RelatedOut:
    return RelatedOut(relation_id=line.relation_id, case=_ref(line.case), reason=line.reason, by=line.by_name,
                      at=line.at)


def relations_out(relations: Relations) -> RelationsOut:
    merges = [*([relations.merged_into] if relations.merged_into else []), *relations.merged_from]
    out = [MergeOut(merge_id=m.merge.id, case=_ref(m.case), reason=m.merge.reason, by=m.merge.by_name,
                    at=m.merge.created_at, messages=len(m.merge.message_ids)) for m in merges]
    into = out[0] if relations.merged_into else None
    return RelationsOut(related=[_related(r) for r in relations.related],
                        parent=_related(relations.parent) if relations.parent else None,
                        children=[_related(r) for r in relations.children],
                        merged_into=into, merged_from=out[1:] if into else out)


def shown_cases(relations: Relations) -> list[int]:
    """The other cases a relations list names (their titles are citizens' words): for the audit."""
    lines = [*relations.related, *relations.children, *([relations.parent] if relations.parent else [])]
    merges = [*relations.merged_from, *([relations.merged_into] if relations.merged_into else [])]
    return sorted({line.case.id for line in lines} | {m.case.id for m in merges})


@api.get("/cases/{case_id}/links", response_model=RelationsOut,
         summary="The case's related cases, parent, children and merges (only cases you may see)")
def read_links(case_id: int, viewer: ApiViewer, session: ReadSession, beacon: BeaconDep) -> RelationsOut:
    case = case_or_404(session, viewer, case_id)
    relations = relations_of(session, viewer.access, case)
    audit_read(beacon, viewer, [("case", case.id)], "case relations (API)", {"cases": shown_cases(relations)})
    return relations_out(relations)


def _answer(session: Session, viewer: Viewer, case: Case) -> RelationsOut:
    session.flush()
    return relations_out(relations_of(session, viewer.access, case))


@api.post("/cases/{case_id}/links", status_code=201, dependencies=[Csrf], response_model=RelationsOut,
          summary="Link another case to this one (related; both ways)")
def post_link(case_id: int, body: OtherCaseIn, viewer: ApiViewer, session: WriteSession,
              beacon: BeaconDep) -> RelationsOut:
    case = case_or_404(session, viewer, case_id)
    other = find_case(session, viewer.access, case_id=body.case_id, reference=body.reference)
    link_cases(session, case, other, actor_of(viewer), body.reason, beacon.clock.now())
    return _answer(session, viewer, case)


@api.post("/cases/{case_id}/unlink", dependencies=[Csrf], response_model=RelationsOut,
          summary="End the link between this case and another")
def post_unlink(case_id: int, body: OtherCaseIn, viewer: ApiViewer, session: WriteSession,
                beacon: BeaconDep) -> RelationsOut:
    case = case_or_404(session, viewer, case_id)
    other = find_case(session, viewer.access, case_id=body.case_id, reference=body.reference)
    unlink_cases(session, case, other, actor_of(viewer), body.reason, beacon.clock.now())
    return _answer(session, viewer, case)


@api.post("/cases/{case_id}/parent", dependencies=[Csrf], response_model=RelationsOut,
          summary="Put this case under a parent case (one parent; no cycles; the parent open)")
def post_parent(case_id: int, body: OtherCaseIn, viewer: ApiViewer, session: WriteSession,
                beacon: BeaconDep) -> RelationsOut:
    child = case_or_404(session, viewer, case_id)
    parent = find_case(session, viewer.access, case_id=body.case_id, reference=body.reference)
    set_parent(session, child, parent, actor_of(viewer), body.reason, beacon.clock.now())
    return _answer(session, viewer, child)


@api.post("/cases/{case_id}/detach", dependencies=[Csrf], response_model=RelationsOut,
          summary="Take this case out from under its parent")
def post_detach(case_id: int, body: ReasonIn, viewer: ApiViewer, session: WriteSession,
                beacon: BeaconDep) -> RelationsOut:
    child = case_or_404(session, viewer, case_id)
    detach(session, child, actor_of(viewer), body.reason, beacon.clock.now())
    return _answer(session, viewer, child)


@api.post("/cases/{case_id}/merge", dependencies=[Csrf], response_model=RelationsOut,
          summary="Merge this case into another (supervisors and admins): its messages, notes and history move")
def post_merge(case_id: int, body: OtherCaseIn, viewer: ApiViewer, session: WriteSession,
               beacon: BeaconDep) -> RelationsOut:
    merged = case_or_404(session, viewer, case_id)
    survivor = find_case(session, viewer.access, case_id=body.case_id, reference=body.reference)
    merge_cases(session, viewer.access, merged, survivor, actor_of(viewer), body.reason, beacon.clock.now())
    return _answer(session, viewer, merged)


@api.post("/cases/{case_id}/unmerge", dependencies=[Csrf], response_model=RelationsOut,
          summary="Undo the merge of this case (supervisors and admins): what moved comes back")
def post_unmerge(case_id: int, body: ReasonIn, viewer: ApiViewer, session: WriteSession,
                 beacon: BeaconDep) -> RelationsOut:
    merged = case_or_404(session, viewer, case_id)
    unmerge_case(session, viewer.access, merged, actor_of(viewer), body.reason, beacon.clock.now())
    return _answer(session, viewer, merged)
