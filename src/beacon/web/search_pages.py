"""Search from the box on every page (`/search`) and the API (`/api/v1/search`). Thin: the
reading of the query is beacon.search.query, the finding and scoping beacon.search.service.
Every search is on the audit log with its words and how many of each kind it found."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.search.query import MAX_LENGTH, BadQuery, SearchQuery, parse_query
from beacon.search.service import KINDS, Hit, Results, audit_data, search
from beacon.web.deps import ApiViewer, BeaconDep, PageViewer, ReadSession
from beacon.web.pages import audit_read, render
from beacon.web.problems import Problem
from beacon.web.security import Viewer

router = APIRouter()
KIND_LABELS = {"case": "Cases", "message": "Messages", "person": "People", "identity": "Identities",
               "reference": "Quoted references"}
# The length is checked by parse_query, so the page and the API refuse an over-long one alike.
QueryParam = Annotated[str, Query(description=f"at most {MAX_LENGTH} characters: words, a case reference, a "
                                  "crime number, a phone number, an email address or a @handle")]


class Fragment(BaseModel):
    text: str
    match: bool


class HitOut(BaseModel):
    kind: str
    id: int
    title: str
    detail: str
    url: str | None
    at: datetime | None
    snippet: list[Fragment]  # plain text pieces; `match` marks the words that matched


class SearchOut(BaseModel):
    query: str
    total: int
    counts: dict[str, int]
    more: dict[str, bool]
    results: dict[str, list[HitOut]]


def _search(beacon: Beacon, viewer: Viewer, session: Session, query: SearchQuery, reason: str) -> Results:
    results = search(session, viewer.access, query)
    audit_read(beacon, viewer, [("search", viewer.force_id)], reason, audit_data(results))
    return results


@router.get("/api/v1/search", response_model=SearchOut, tags=["desk"],
            summary="Search cases, messages, people, identities and quoted references you may see")
def api_search(viewer: ApiViewer, session: ReadSession, beacon: BeaconDep, q: QueryParam = "") -> SearchOut:
    try:
        query = parse_query(q)
    except BadQuery as bad:
        raise Problem(422, "Not a search", bad.detail, bad.code, field="q") from None
    results = _search(beacon, viewer, session, query, "search (API)")
    return SearchOut(query=query.raw, total=results.total, counts=results.counts(), more=results.more,
                     results={kind: [_hit_out(h) for h in results.groups[kind]] for kind in KINDS})


@router.get("/search", include_in_schema=False)
def search_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep,
                q: QueryParam = "") -> HTMLResponse:
    if not q.strip():  # the page itself, before anything is typed: not a search, nothing audited
        return _page(request, viewer, "")
    try:
        query = parse_query(q)
    except BadQuery as bad:
        return _page(request, viewer, q, problem=bad.detail, status=422)
    return _page(request, viewer, query.raw, results=_search(beacon, viewer, session, query, "search"))


def _page(request: Request, viewer: Viewer, q: str, results: Results | None = None, problem: str | None = None,
          status: int = 200) -> HTMLResponse:
    response = render(request, "search.html", viewer=viewer, q=q, results=results, problem=problem,
                      kinds=KIND_LABELS)
    response.status_code = status
    return response


def _hit_out(hit: Hit) -> HitOut:
    return HitOut(kind=hit.kind, id=hit.id, title=hit.title, detail=hit.detail, url=hit.url, at=hit.at,
                  snippet=[Fragment(text=t, match=m) for t, m in hit.snippet])
