"""The control room: the live picture on one screen (polled by htmx), its tables as CSV, and
the printable shift report. Thin: every figure comes from `beacon.insight`."""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from beacon.bootstrap import Beacon
from beacon.cases.access import Access
from beacon.insight.beats import BeatMap
from beacon.insight.figures import ControlRoom, control_room
from beacon.insight.scope import figure_scope
from beacon.insight.surge import SurgeRule
from beacon.pipeline.lag import pipeline_lag
from beacon.web.deps import BeaconDep, PageViewer, ReadSession
from beacon.web.pages import audit_read, render
from beacon.web.security import Viewer

router = APIRouter(include_in_schema=False)
MAP_LEVELS = 5  # shades on the demand map, lightest = none


@lru_cache(maxsize=4)
def beat_map_from(path: Path | None) -> BeatMap:
    return BeatMap.load(path)


def figures_now(beacon: Beacon, session: Any, access: Access) -> ControlRoom:
    settings = beacon.settings
    rule = SurgeRule(min_count=settings.surge_min_count, ratio=settings.surge_ratio)
    return control_room(session, figure_scope(session, access), beacon.clock.now(),
                        beat_map_from(settings.beats_map_path), rule)


def map_view(figures: ControlRoom, beat_map: BeatMap) -> list[dict[str, Any]]:
    """Each beat's shape with its demand and a shade from 0 (none) to MAP_LEVELS."""
    by_code = {b.code: b for b in figures.demand.beats}
    busiest = max((b.contacts for b in figures.demand.beats), default=0)
    return [
        {"shape": shape, "beat": by_code[shape.code],
         "level": math.ceil(MAP_LEVELS * by_code[shape.code].contacts / busiest) if busiest else 0}
        for shape in beat_map.shapes()
    ]


def chart_data(figures: ControlRoom) -> dict[str, Any]:
    hours = figures.demand.hours
    return {
        "hours": [h.start.isoformat() for h in hours],
        "priorities": {p: [h.by_priority[p] for h in hours] for p in ("P1", "P2", "P3", "P4")},
        "channels": figures.demand.by_channel,
        "categories": figures.demand.by_category,
    }


def pipeline_view(beacon: Beacon, force_id: int) -> dict[str, Any]:
    """How far behind the pipeline is for this force, and whether that needs someone's attention:
    intake keeps acknowledging while workers fall behind, so only this shows the wait."""
    lag = pipeline_lag(beacon, force_id)
    too_old = lag.oldest_unprocessed_seconds > beacon.settings.control_room_lag_alert_seconds
    return {"lag": lag, "behind": too_old, "failing": lag.failed_unresolved > 0,
            "oldest": _duration(lag.oldest_unprocessed_seconds)}


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _context(beacon: Beacon, session: Any, viewer: Any) -> dict[str, Any]:
    figures = figures_now(beacon, session, viewer.access)
    beat_map = beat_map_from(beacon.settings.beats_map_path)
    return {"viewer": viewer, "f": figures, "map": map_view(figures, beat_map), "town": beat_map.town,
            "charts": chart_data(figures), "refresh": beacon.settings.control_room_refresh_seconds,
            "pipeline": pipeline_view(beacon, viewer.force_id)}


def _audit(request: Request, beacon: Beacon, viewer: Viewer, figures: ControlRoom, *, polled: bool) -> None:
    """The screen names the P1/P2 cases still waiting. A page or report is a consultation each
    time; the live partial polls every few seconds, so it records one only when the cases shown
    change (as the inbox does), or the log would fill with identical refreshes."""
    ids = [c.id for c in figures.workload.oldest_unacknowledged]
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    if polled and request.session.get("audit_control_room") == digest:
        return
    audit_read(beacon, viewer, [("control_room", viewer.force_id)], "control room", {"cases": ids})
    request.session["audit_control_room"] = digest


@router.get("/control-room")
def control_room_page(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    context = _context(beacon, session, viewer)
    _audit(request, beacon, viewer, context["f"], polled=False)
    return render(request, "control_room.html", **context)


@router.get("/control-room/live")
def control_room_live(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    """The figures alone: the page swaps them in every few seconds, without a reload."""
    context = _context(beacon, session, viewer)
    _audit(request, beacon, viewer, context["f"], polled=True)
    return render(request, "control_room_live.html", **context)


@router.get("/shift-report")
def shift_report(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    context = _context(beacon, session, viewer)
    ids = [c.id for c in context["f"].workload.oldest_unacknowledged]
    audit_read(beacon, viewer, [("shift_report", viewer.force_id)], "shift report", {"cases": ids})
    return render(request, "shift_report.html", **context)
