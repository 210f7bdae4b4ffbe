"""The demo's seeding puts the demo user on duty, so the demo shows clocks and alerts."""

from __future__ import annotations

from beacon.bootstrap import Beacon
from beacon.cases.demo import seed_demo_casework
from beacon.cases.rota import on_duty
from beacon.cases.settings import shipped_casework
from beacon.staff.accounts import Role
from tests.casework.casework_builders import case_from, staff, tick


def test_the_demo_user_is_on_duty_and_gets_the_p1(beacon: Beacon) -> None:
    user_id = staff(beacon, "handler", Role.SUPERVISOR)
    with beacon.session_factory.begin() as session:
        added = seed_demo_casework(session, shipped_casework(), "handler", beacon.clock.now())
        again = seed_demo_casework(session, shipped_casework(), "handler", beacon.clock.now())
        roles = {s.role for s in on_duty(session, 1, beacon.clock.now()) if s.user_id == user_id}
    assert added > 0 and again == 0 and roles == {"handler", "supervisor"}
    case_from(beacon)
    report = tick(beacon)
    assert report.assigned == 1 and len(report.alerts_raised) == 1
