"""`/admin/channels`: each channel account's health for the signed-in person's force.

Admins and supervisors may view it (a supervisor running the shift needs to know a channel has
gone quiet or its replies are failing); handlers get 403. The page shows counts, codes and
times, no citizen's words, so it records no audit event. Figures come from `intake.health`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from beacon.intake.health_view import overview
from beacon.web.deps import BeaconDep, PageViewer, ReadSession
from beacon.web.pages import render
from beacon.web.problems import Problem

router = APIRouter(include_in_schema=False)


@router.get("/admin/channels", response_class=HTMLResponse)
def channels_page(
    request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep
) -> HTMLResponse:
    if not viewer.is_supervisor:
        raise Problem(403, "Not allowed", "channel health is for admins and supervisors",
                      "forbidden")
    now = beacon.clock.now()
    view = overview(session, beacon.settings, now, viewer.force_id)
    return render(request, "admin_channels.html", viewer=viewer, view=view, now=now)
