"""Everything on the control room screen at one moment, from one read session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from beacon.insight.beats import BeatMap
from beacon.insight.scope import FigureScope
from beacon.insight.demand import Demand, count_inbound, demand
from beacon.insight.surge import Surge, SurgeRule, detect_surge
from beacon.insight.workload import Workload, workload


@dataclass(frozen=True)
class ControlRoom:
    at: datetime
    demand: Demand
    workload: Workload
    surge: Surge


def control_room(session: Session, scope: FigureScope, now: datetime, beat_map: BeatMap,
                 rule: SurgeRule = SurgeRule()) -> ControlRoom:
    """The force's figures as `scope` allows (beacon.insight.scope): every count, the surge
    included, takes in `scope.counted`'s cases; the cases named, only the viewer's."""
    surge = detect_surge(lambda start, end: count_inbound(session, scope.counted, start, end), now, rule)
    return ControlRoom(now, demand(session, scope.counted, now, beat_map), workload(session, scope, now), surge)
