"""The control room counts related cases right (issue 16 point 4): a merged case is not counted
twice as open (nor its overdue clock as a breach still open), and children are cases, each
counted. Figures from the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.access import access_of
from beacon.cases.case_merges import merge_cases
from beacon.cases.relations import set_parent
from beacon.insight.beats import BeatMap
from beacon.insight.figures import control_room
from beacon.insight.scope import whole_force
from beacon.insight.workload import Workload
from beacon.staff.accounts import Role
from beacon.store.tables import Case, User
from beacon.store.tables_casework import CaseClock
from tests.casework.casework_builders import case_from, staff


def _workload(beacon: Beacon) -> Workload:
    with beacon.read_session_factory() as session:
        return control_room(session, whole_force(1), beacon.clock.now(), BeatMap.load()).workload


def test_a_merged_case_is_counted_once_and_children_each_count(any_beacon: Beacon) -> None:
    beacon = any_beacon
    staff(beacon, "sue", Role.SUPERVISOR)
    parent = case_from(beacon, "Someone smashed every car window on the street", author={"id": "+447700900401"})
    children = [case_from(beacon, text, author={"id": f"+44770090041{n}"})
                for n, text in enumerate(["My car was stolen", "Tools stolen from my van"])]
    duplicate = case_from(beacon, "He has a knife outside the shop", author={"id": "+447700900420"})
    survivor = case_from(beacon, "Man with a knife by the shop door", author={"id": "+447700900421"})
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        session.add(CaseClock(force_id=1, case_id=duplicate, milestone="acknowledge", priority="P1",
                              started_at=now - timedelta(minutes=30), warn_at=now - timedelta(minutes=25),
                              due_at=now - timedelta(minutes=20), breached_at=now - timedelta(minutes=20)))
    before = _workload(beacon)
    assert before.queue == {"P1": 2, "P2": 0, "P3": 3, "P4": 0} and before.breaches_open == 1

    with beacon.session_factory.begin() as session:
        user = session.scalars(select(User).where(User.username == "sue")).one()
        actor, access = Actor("user", user.id, user.display_name), access_of(session, user)
        for child in children:
            set_parent(session, session.get_one(Case, child), session.get_one(Case, parent), actor, "one street", now)
        merge_cases(session, access, session.get_one(Case, duplicate), session.get_one(Case, survivor), actor,
                    "the same man", now)
    after = _workload(beacon)
    assert after.queue == {"P1": 1, "P2": 0, "P3": 3, "P4": 0}  # 4 open: a parent, 2 children, the survivor
    assert after.unassigned == 4
    assert [c.id for c in after.oldest_unacknowledged] == [survivor]
    assert after.breaches_open == 0 and after.breaches_today == 1  # the breach happened; nobody owes it now
