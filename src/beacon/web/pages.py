"""Server-rendered pages for handlers: the inbox, and the case page's notes and status
(the page itself is web/case_page.py). Thin: no rules here."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from beacon.audit.log import Action, Actor
from beacon.bootstrap import Beacon
from beacon.cases import queries
from beacon.cases.audit_events import record, record_reads, user_actor
from beacon.cases.access import case_for
from beacon.cases.handover import add_promise
from beacon.cases.lifecycle import Status, add_note, change_status
from sqlalchemy.orm import Session

from beacon.store.tables import Case
from beacon.web.triage_view import deciding_reason, most_urgent_message, thrive_rows
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.security import Viewer, csrf_token

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(deciding_reason=deciding_reason, thrive_rows=thrive_rows,
                             most_urgent_message=most_urgent_message)
router = APIRouter(include_in_schema=False)

CHANNEL_LABELS = {
    "x": "X", "facebook": "Facebook", "instagram": "Instagram", "whatsapp": "WhatsApp",
    "sms": "SMS", "email": "Email", "webform": "Web form", "telegram": "Telegram", "api": "API",
}
STATUS_LABELS = {"new": "New", "open": "Open", "waiting": "Waiting on citizen", "closed": "Closed"}
templates.env.globals.update(channel_labels=CHANNEL_LABELS, status_labels=STATUS_LABELS)
UK = ZoneInfo("Europe/London")


def local_time(value: datetime, pattern: str) -> str:
    """Times are stored in UTC and shown in UK time, as the control room's clocks are."""
    return value.astimezone(UK).strftime(pattern)


templates.env.filters["local"] = local_time


def render(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("csrf", csrf_token(request))
    return templates.TemplateResponse(request, name, context)


def form_change(change: Callable[[], object], refused: type[Exception], page: Callable[..., HTMLResponse],
                done: str) -> Response:
    """An admin form's change, then back to its page (303); a refused change shows the page
    again with the reason (400)."""
    try:
        change()
    except refused as error:
        return page(error=str(error), status=400)
    return RedirectResponse(done, status_code=303)


def case_or_404(session: Session, viewer: Viewer, case_id: int) -> Case:
    """The case, if the viewer may see it; else `Hidden`, answered with the 404 a case that does
    not exist gets, and recorded (web/refusals.py). The rule is beacon.cases.access."""
    return case_for(session, viewer.access, case_id)


def actor_of(viewer: Viewer) -> Actor:
    return user_actor(viewer.id, viewer.display_name)


def audit_read(
    beacon: Beacon, viewer: Viewer, objects: list[tuple[str, int | str]], reason: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Record that `viewer` was shown these objects, before the page goes back (its own short
    write: pages read from the read-only session)."""
    record_reads(beacon.session_factory, actor_of(viewer), viewer.force_id, beacon.clock.now(),
                 objects, reason, data)


def audit_inbox(request: Request, beacon: Beacon, viewer: Viewer, case_ids: list[int]) -> None:
    """The inbox polls every few seconds: record a consultation when the list of cases shown
    changes, not on every identical refresh (which would bury the log in repeats)."""
    digest = hashlib.sha256(",".join(map(str, case_ids)).encode()).hexdigest()[:16]
    if request.session.get("audit_inbox") != digest:
        audit_read(beacon, viewer, [("inbox", viewer.force_id)], "inbox list", {"cases": case_ids})
        request.session["audit_inbox"] = digest


def _inbox_filter(team: str = "", channel: str = "", category: str = "", beat: str = "") -> queries.InboxFilter:
    """Query parameters to a filter; empty or malformed values mean 'any'."""
    return queries.InboxFilter(
        team_id=int(team) if team.isdigit() else None,
        channel=channel[:20] or None, category=category[:64] or None, beat=beat[:32] or None,
    )


InboxFilterDep = Annotated[queries.InboxFilter, Depends(_inbox_filter)]


@router.get("/")
def inbox_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep,
               filters: InboxFilterDep) -> HTMLResponse:
    rows = queries.inbox(session, viewer.access, now=beacon.clock.now(), filters=filters)
    audit_inbox(request, beacon, viewer, [row.id for row in rows])
    return render(request, "inbox.html", viewer=viewer, rows=rows, filters=filters,
                  choices=queries.inbox_choices(session, viewer.access))


@router.get("/inbox/rows")
def inbox_rows(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep,
               filters: InboxFilterDep) -> HTMLResponse:
    """The inbox table body alone; the page polls it so new cases appear without a reload."""
    rows = queries.inbox(session, viewer.access, now=beacon.clock.now(), filters=filters)
    audit_inbox(request, beacon, viewer, [row.id for row in rows])
    return render(request, "_inbox_rows.html", viewer=viewer, rows=rows)


@router.post("/cases/{case_id}/notes", dependencies=[Csrf])
def case_note(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    text: Annotated[str, Form(min_length=1, max_length=10_000)],
    promise: Annotated[bool, Form()] = False,
) -> Response:
    case = case_or_404(session, viewer, case_id)
    now = beacon.clock.now()
    if promise:
        add_promise(session, case, actor_of(viewer), text.strip(), now)
    else:
        add_note(session, case, viewer.id, text.strip(), now)
    record(session, actor_of(viewer), Action.CHANGED, "case", case.id, case.force_id, now,
           "promise to the citizen added" if promise else "note added")
    return RedirectResponse(f"/cases/{case_id}#timeline-end", status_code=303)


@router.post("/cases/{case_id}/status", dependencies=[Csrf])
def case_status(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    status: Annotated[Status, Form()],
) -> Response:
    case = case_or_404(session, viewer, case_id)
    before = case.status
    if change_status(session, case, status, viewer.id, beacon.clock.now()) is not None:
        record(session, actor_of(viewer), Action.CHANGED, "case", case.id, case.force_id,
               beacon.clock.now(), "status changed", {"field": "status", "from": before, "to": status.value})
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
