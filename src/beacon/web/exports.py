"""CSV of the desk's lists: the inbox, incidents and the control room's tables. An export takes
personal data off the system, so each one is recorded as a disclosure in the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from beacon.audit import Action, Actor, append_event
from beacon.bootstrap import Beacon
from beacon.cases import queries as case_queries
from beacon.cases.roles import Export, check_may_export
from beacon.insight.tables import TABLES, Rows, control_room_table, to_csv
from beacon.noise import queries as noise_queries
from beacon.web.control_room import figures_now
from beacon.web.deps import BeaconDep, PageViewer, WriteSession
from beacon.web.problems import Problem
from beacon.web.security import Viewer

router = APIRouter(include_in_schema=False)
INBOX_EXPORT_LIMIT = 10_000


def _csv_response(session: Session, beacon: Beacon, viewer: Viewer, name: str, rows: Rows) -> Response:
    check_may_export(viewer.access, Export.LIST_CSV)  # every role; the rows are what the viewer sees
    now = beacon.clock.now()
    append_event(session, actor=Actor("user", viewer.id, viewer.display_name), action=Action.DISCLOSED,
                 object_type="export", object_id=name, at=now, force_id=viewer.force_id,
                 reason="CSV export", data={"rows": max(0, len(rows) - 1)})
    filename = f"beacon-{name}-{now:%Y%m%d-%H%M}.csv"
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/exports/inbox.csv")
def inbox_csv(viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    rows: Rows = [["reference", "priority", "status", "category", "vulnerable", "title", "first_contact_utc",
                   "messages", "channels", "assignee"]]
    rows += [[r.reference, r.priority, r.status, r.category or "", "yes" if r.vulnerable else "no", r.title,
              r.first_contact_at.isoformat(), r.messages, " ".join(r.channels), r.assignee or ""]
             for r in case_queries.inbox(session, viewer.access, limit=INBOX_EXPORT_LIMIT)]
    return _csv_response(session, beacon, viewer, "inbox", rows)


@router.get("/exports/incidents.csv")
def incidents_csv(viewer: PageViewer, session: WriteSession, beacon: BeaconDep) -> Response:
    since = beacon.clock.now() - timedelta(hours=24)
    rows: Rows = [["incident", "priority", "surging", "title", "reports", "reporters", "messages",
                   "first_utc", "last_utc", "case_id"]]
    rows += [[r.id, r.priority or "", "yes" if r.surging else "no", r.title, r.reports, r.reporters, r.messages,
              r.first_at.isoformat(), r.last_at.isoformat(), r.case_id or ""]
             for r in noise_queries.live_incidents(session, viewer.access, since)]
    return _csv_response(session, beacon, viewer, "incidents", rows)


@router.get("/control-room.csv")
def control_room_csv(viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
                     table: Annotated[str, Query(max_length=20)] = "hours") -> Response:
    if table not in TABLES:
        raise Problem(404, "Not found", f"no table {table!r}; try one of {', '.join(TABLES)}", "not_found")
    rows = control_room_table(figures_now(beacon, session, viewer.access), table)
    return _csv_response(session, beacon, viewer, f"control-room-{table}", rows)
