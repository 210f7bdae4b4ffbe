"""Everything on the control room screen at one moment, from one read session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from beacon.insight.beats import BeatMap
from beacon.insight.demand import Demand, count_inbound, demand
from beacon.insight.surge import Surge, SurgeRule, detect_surge
from beacon.insight.workload import Workload, workload


@dataclass(frozen=True)
class ControlRoom:
    at: datetime
    demand: Demand
    workload: Workload
    surge: Surge


def control_room(session: Session, force_id: int, now: datetime, beat_map: BeatMap,
                 rule: SurgeRule = SurgeRule(), hidden_teams: frozenset[int] = frozenset()) -> ControlRoom:
    """The force's figures; cases the screen names (not counts) leave out `hidden_teams`' cases:
    the restricted teams the viewer may not see (beacon.cases.access)."""
    surge = detect_surge(lambda start, end: count_inbound(session, force_id, start, end), now, rule)
    return ControlRoom(now, demand(session, force_id, now, beat_map),
                       workload(session, force_id, now, hidden_teams), surge)
