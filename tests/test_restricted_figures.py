"""Restricted teams in the force's figures (issue 14): the control room's counts, its CSV, the
shift report and monitored needs count a restricted team's cases for everyone by default, and
leave them out for anyone outside the team when the force says so; supervisors, admins and the
team's members see every case either way, and the cases named are never an outsider's to see.
One rule (beacon.insight.scope), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.access import access_of
from beacon.cases.teams import set_figures_hide_restricted
from beacon.insight.beats import BeatMap
from beacon.insight.figures import ControlRoom, control_room
from beacon.insight.scope import figure_scope
from beacon.insight.tables import control_room_table
from beacon.routing.case_disposition import Choice, set_case_disposition
from beacon.routing.disposition import Outcome
from beacon.routing.policy import load_policy
from beacon.routing.record import monitored_needs
from beacon.staff.accounts import Role
from beacon.store.tables import Case, User
from tests.casework.casework_builders import case_from, staff, tick
from tests.test_restricted_teams import restrict_safeguarding, safeguarding_case, signed_in

BEATS = BeatMap.load()
SYSTEM = Actor("system", None, "test")


@pytest.fixture
def night(any_beacon: Beacon) -> Iterator[tuple[Beacon, int, int]]:
    """A General handler (hal), a Safeguarding member (sam), a supervisor (sue); one P1 in the
    restricted Safeguarding team and one P1 in General, both monitored on a beat, clocks overdue."""
    staff(any_beacon, "hal")
    staff(any_beacon, "sam")
    staff(any_beacon, "sue", Role.SUPERVISOR)
    restrict_safeguarding(any_beacon, member="sam")
    now = any_beacon.clock.now().isoformat()  # received on Beacon's clock, so within its 24 hours
    hidden = safeguarding_case(any_beacon, "My partner has a knife and hits me", author={"id": "+447700900601"},
                               received_at=now)
    open_case = case_from(any_beacon, "A man is waving a knife outside the station", author={"id": "+447700900602"},
                          received_at=now)
    tick(any_beacon)  # the SLA clocks start
    any_beacon.clock.advance(hours=3)  # every acknowledgement is overdue
    yield any_beacon, hidden, open_case


def figures(beacon: Beacon, username: str) -> ControlRoom:
    with beacon.read_session_factory() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return control_room(session, figure_scope(session, access_of(session, user)), beacon.clock.now(), BEATS)


def hide_in_figures(beacon: Beacon, hide: bool = True) -> None:
    with beacon.session_factory.begin() as session:
        set_figures_hide_restricted(session, 1, hide, SYSTEM, beacon.clock.now())


def counts(f: ControlRoom) -> dict[str, object]:
    """Every count on the screen, none of the cases it names."""
    d, w = f.demand, f.workload
    return {"queue": w.queue, "unassigned": w.unassigned, "breaches": w.breaches_open,
            "hours": sum(h.total for h in d.hours), "channels": d.by_channel, "categories": d.by_category,
            "beats": [(b.code, b.contacts, b.monitored) for b in d.beats], "not_placed": d.not_placed,
            "trends": [t.now for t in d.trends], "surge": f.surge.current}


def test_by_default_every_role_sees_the_forces_counts_but_not_the_hidden_case_named(
        night: tuple[Beacon, int, int]) -> None:
    beacon, hidden, _ = night
    outsider, supervisor = figures(beacon, "hal"), figures(beacon, "sue")
    assert counts(outsider) == counts(supervisor)
    assert outsider.workload.queue["P1"] == 2 and sum(h.total for h in outsider.demand.hours) == 2
    assert hidden in [c.id for c in supervisor.workload.oldest_unacknowledged]
    assert hidden not in [c.id for c in outsider.workload.oldest_unacknowledged]


def test_when_the_force_says_so_an_outsiders_counts_leave_the_restricted_team_out(
        night: tuple[Beacon, int, int]) -> None:
    beacon, hidden, _ = night
    everyone = counts(figures(beacon, "sue"))
    hide_in_figures(beacon)
    outsider, member, supervisor = (counts(figures(beacon, u)) for u in ("hal", "sam", "sue"))
    assert member == supervisor == everyone  # who may open the case still counts it
    assert outsider["queue"]["P1"] == 1 and everyone["queue"]["P1"] == 2  # type: ignore[index]
    assert (outsider["hours"], everyone["hours"]) == (1, 2)
    assert outsider["breaches"] < everyone["breaches"]  # type: ignore[operator]
    assert (outsider["trends"], outsider["surge"]) == ([0, 1], 0)  # the last hour is quiet; one message in 24
    with beacon.read_session_factory() as session:
        categories = session.get_one(Case, hidden).category
    assert categories in dict(everyone["categories"])  # type: ignore[arg-type]
    hide_in_figures(beacon, False)
    assert counts(figures(beacon, "hal")) == everyone  # the rule is the force's, and can be undone


def test_monitored_needs_leave_a_hidden_cases_monitoring_out_for_an_outsider(
        night: tuple[Beacon, int, int]) -> None:
    beacon, hidden, open_case = night
    with beacon.session_factory.begin() as session:
        for case_id in (hidden, open_case):
            set_case_disposition(session, session.get_one(Case, case_id),
                                 Choice(Outcome.MONITOR, "known to the team", beat="BH-03", need="knife"),
                                 SYSTEM, load_policy(), frozenset({"BH-03"}), beacon.clock.now())
    beacon.clock.advance(minutes=1)
    hide_in_figures(beacon)
    since = beacon.clock.now() - timedelta(hours=1)
    with beacon.read_session_factory() as session:
        def needs(username: str) -> int:
            user = session.scalars(select(User).where(User.username == username)).one()
            counted = figure_scope(session, access_of(session, user)).counted
            return sum(n.count for n in monitored_needs(session, counted, since) if n.need == "knife")
        assert (needs("hal"), needs("sam"), needs("sue")) == (1, 2, 2)
    beat = {b.code: b.monitored for b in figures(beacon, "hal").demand.beats}["BH-03"]
    assert beat == 1 and {b.code: b.monitored for b in figures(beacon, "sue").demand.beats}["BH-03"] == 2


def test_the_csv_the_shift_report_and_the_needs_api_follow_the_same_rule(
        night: tuple[Beacon, int, int]) -> None:
    beacon, _, _ = night
    hide_in_figures(beacon)
    expected = control_room_table(figures(beacon, "hal"), "hours")
    client, _ = signed_in(beacon, "hal")
    with client:
        csv = client.get("/control-room.csv", params={"table": "hours"}).text
        report = client.get("/shift-report", headers={"accept": "text/html"})
        needs = client.get("/api/v1/monitored-needs")
    totals = [line.rsplit(",", 1)[1] for line in csv.strip().splitlines()[1:]]
    assert totals == [str(row[-1]) for row in expected[1:]] and sum(map(int, totals)) == 1
    assert report.status_code == 200 and needs.status_code == 200
    supervisor, _ = signed_in(beacon, "sue")
    with supervisor:
        csv = supervisor.get("/control-room.csv", params={"table": "hours"}).text
    assert sum(int(line.rsplit(",", 1)[1]) for line in csv.strip().splitlines()[1:]) == 2
