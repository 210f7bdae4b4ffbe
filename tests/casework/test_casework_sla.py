"""SLA clocks with an injected clock: start, warning, breach, met, calendars, priority rises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.casework.casework_builders import case_from, tick

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.calendars import add_open_minutes
from beacon.cases.escalation import acknowledge_case
from beacon.cases.settings import CaseworkConfigError, load_casework, shipped_casework
from beacon.cases.sla import breach_count, clocks_by_case
from beacon.clock import FakeClock
from beacon.store.tables import Case, CaseEntry
from beacon.store.tables_casework import CaseClock

OPENED = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)


def _clocks(beacon: Beacon, case_id: int) -> dict[str, CaseClock]:
    with beacon.read_session_factory() as session:
        return {c.milestone: c for c in session.scalars(select(CaseClock).where(CaseClock.case_id == case_id))}


def _states(beacon: Beacon, case_id: int) -> dict[str, str]:
    with beacon.read_session_factory() as session:
        views = clocks_by_case(session, [case_id], beacon.clock.now())[case_id]
    return {v.milestone: v.state for v in views}


def test_a_p1_case_gets_its_milestones_from_when_it_opened(beacon: Beacon) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    clocks = _clocks(beacon, case_id)
    assert clocks["acknowledge"].due_at == OPENED + timedelta(minutes=5)
    assert clocks["acknowledge"].warn_at == OPENED + timedelta(minutes=3.75)
    assert clocks["first_reply"].due_at == OPENED + timedelta(minutes=15)
    assert _states(beacon, case_id) == {"acknowledge": "running", "first_reply": "running"}


def test_a_milestone_warns_then_breaches_and_is_counted(beacon: Beacon, clock: FakeClock) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    clock.advance(minutes=4)
    assert tick(beacon).warned == 1
    assert _states(beacon, case_id)["acknowledge"] == "warning"
    clock.advance(minutes=1)
    report = tick(beacon)
    assert report.breached == 1
    assert _states(beacon, case_id)["acknowledge"] == "breached"
    with beacon.read_session_factory() as session:
        assert breach_count(session, 1, OPENED) == 1
    assert _clocks(beacon, case_id)["acknowledge"].breached_at == OPENED + timedelta(minutes=5)
    assert tick(beacon).breached == 0  # recorded once


def test_acknowledging_in_time_meets_the_milestone(beacon: Beacon, clock: FakeClock) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    clock.advance(minutes=2)
    with beacon.session_factory.begin() as session:
        acknowledge_case(session, session.get_one(Case, case_id), Actor("user", None, "Ann"), "web", clock.now())
    clock.advance(minutes=10)
    tick(beacon)
    assert _clocks(beacon, case_id)["acknowledge"].met_at == OPENED + timedelta(minutes=2)
    assert _states(beacon, case_id)["acknowledge"] == "met"


def test_a_reply_on_the_timeline_meets_first_reply(beacon: Beacon, clock: FakeClock) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    clock.advance(minutes=7)
    with beacon.session_factory.begin() as session:
        session.add(CaseEntry(case_id=case_id, kind="message_out", body="We are on our way", created_at=clock.now()))
    clock.advance(minutes=1)
    tick(beacon)
    assert _clocks(beacon, case_id)["first_reply"].met_at == OPENED + timedelta(minutes=7)


def test_a_closed_case_never_breaches(beacon: Beacon, clock: FakeClock) -> None:
    case_id = case_from(beacon)
    tick(beacon)
    with beacon.session_factory.begin() as session:
        session.get_one(Case, case_id).status = "closed"
    clock.advance(minutes=30)
    assert tick(beacon).breached == 0


def test_a_raised_priority_replans_from_that_moment(beacon: Beacon, clock: FakeClock) -> None:
    case_id = case_from(beacon, "My bike was stolen")  # P3: acknowledge within 8 hours
    tick(beacon)
    assert set(_clocks(beacon, case_id)) == {"acknowledge"}
    clock.advance(minutes=60)
    case_from(beacon, "and now he is back with a knife", author={"id": "+447700900777", "handle": "x"})
    with beacon.session_factory.begin() as session:
        session.get_one(Case, case_id).priority = "P1"  # as attach_message does for a worse message
    tick(beacon)
    clocks = _clocks(beacon, case_id)
    assert clocks["acknowledge"].due_at == OPENED + timedelta(minutes=65)
    assert clocks["first_reply"].due_at == OPENED + timedelta(minutes=75)


def test_office_hours_queue_counts_only_open_time() -> None:
    office = shipped_casework().calendars["office"]
    friday_5pm = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # London is on UTC in December
    # 1 hour on Friday, the weekend closed, 7 hours from 08:00 on Monday.
    assert add_open_minutes(friday_5pm, 480, office) == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    christmas_eve_5pm = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    # Christmas Day a holiday, then the weekend, the 28th a holiday: resumes on the 29th.
    assert add_open_minutes(christmas_eve_5pm, 120, office) == datetime(2026, 12, 29, 9, 0, tzinfo=UTC)


def test_office_hours_follow_british_summer_time() -> None:
    office = shipped_casework().calendars["office"]
    monday_7am_utc = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 07:00 BST, before opening
    assert add_open_minutes(monday_7am_utc, 30, office) == datetime(2026, 6, 1, 7, 30, tzinfo=UTC)


def test_roads_p3_runs_on_the_office_calendar_but_a_p1_does_not(beacon: Beacon) -> None:
    settings = shipped_casework()
    from beacon.cases.sla import plan_clock

    case = Case(priority="P3", force_id=1)
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    _, due = plan_clock(settings, case, "Roads", "acknowledge", saturday_night)
    assert due == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    case.priority = "P1"
    _, due = plan_clock(settings, case, "Roads", "acknowledge", saturday_night)
    assert due == saturday_night + timedelta(minutes=5)


def test_a_force_file_overrides_the_shipped_one(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/beacon/cases/data/casework.yaml").read_text()
    own = tmp_path / "casework.yaml"
    own.write_text(text.replace("P1: {acknowledge: 5, first_reply: 15}", "P1: {acknowledge: 3, first_reply: 10}"))
    assert load_casework(own).milestones_for("P1") == {"acknowledge": 3, "first_reply": 10}


def test_a_mistake_in_the_file_is_named(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/beacon/cases/data/casework.yaml").read_text()
    bad = tmp_path / "casework.yaml"
    bad.write_text(text.replace("calendar: office", "calendar: offfice"))
    with pytest.raises(CaseworkConfigError, match="unknown calendar 'offfice'"):
        load_casework(bad)
