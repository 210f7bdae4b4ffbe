"""Control room figures from the store: demand by hour, channel, category and beat; queues,
unacknowledged P1/P2, SLA breaches and who is on shift."""

from __future__ import annotations

from datetime import timedelta

import pytest

from beacon.insight.scope import whole_force
from beacon.bootstrap import Beacon
from beacon.insight.beats import BeatMap, BeatMapError
from beacon.insight.figures import control_room
from beacon.scenario.force import STREETS
from beacon.staff.accounts import Role, create_user
from beacon.store.tables_casework import CaseClock, RotaShift
from tests.desk.desk_builders import add_case, add_message, force_id

BEATS = BeatMap.load()


def figures(beacon: Beacon):  # type: ignore[no-untyped-def]
    with beacon.read_session_factory() as session:
        return control_room(session, whole_force(force_id(session)), beacon.clock.now(), BEATS)


def test_demand_counts_by_hour_priority_channel_and_category(beacon: Beacon) -> None:
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        force = force_id(session)
        add_message(session, force, now - timedelta(minutes=10), priority="P1", channel="x", categories=["self_harm"])
        add_message(session, force, now - timedelta(minutes=20), priority="P3", channel="sms", categories=["crime.theft"])
        add_message(session, force, now - timedelta(hours=5, minutes=5), priority="P3", channel="sms")
        add_message(session, force, now - timedelta(hours=30), priority="P1")  # outside 24 hours
        add_message(session, force, now - timedelta(minutes=5), direction="out")  # our reply: not demand
    d = figures(beacon).demand
    assert len(d.hours) == 24
    assert d.hours[-1].by_priority == {"P1": 1, "P2": 0, "P3": 1, "P4": 0}
    assert d.hours[-6].total == 1 and sum(h.total for h in d.hours) == 3
    assert dict(d.by_channel) == {"sms": 2, "x": 1}
    assert dict(d.by_category) == {"self_harm": 1, "crime.theft": 1}


def test_trend_compares_with_the_same_time_last_week(beacon: Beacon) -> None:
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        force = force_id(session)
        for minutes in (5, 15, 25):
            add_message(session, force, now - timedelta(minutes=minutes))
        for minutes in (5, 15, 25, 35):
            add_message(session, force, now - timedelta(weeks=1, minutes=minutes))
    [hour, day] = figures(beacon).demand.trends
    assert (hour.now, hour.last_week, hour.change_percent) == (3, 4, -25)
    assert (day.now, day.last_week) == (3, 4)


def test_each_scenario_street_falls_in_one_beat_by_postcode_text_and_point() -> None:
    for street in STREETS:
        by_postcode = BEATS.beat_of(postcode=street.postcode)
        assert by_postcode is not None, street
        assert BEATS.beat_of(point=(street.lon, street.lat)) == by_postcode, street
        assert BEATS.beat_of(text=f"trouble on {street.name} tonight") == by_postcode, street


def test_beat_evidence_is_tried_surest_first() -> None:
    assert BEATS.beat_of(triage_beat="BH-07", postcode="BB11 1DU") == "BH-07"
    assert BEATS.beat_of(triage_beat="LS-01", postcode="BB11 1DU") == "BH-01"  # another table's code
    assert BEATS.beat_of(postcode="BB11 2DL") == "BH-01" and BEATS.beat_of(postcode="BB11 2QJ") == "BH-02"
    assert BEATS.beat_of(postcode="BB1 2AA") is None  # BB1 is not BB12
    assert BEATS.beat_of(text="someone near the moon") is None


def test_demand_by_beat_counts_contacts_and_monitored_needs(beacon: Beacon) -> None:
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        force = force_id(session)
        add_message(session, force, now - timedelta(minutes=3), text="lads on bikes on Colne Road", disposition="monitor")
        add_message(session, force, now - timedelta(minutes=4), place={"postcode": "BB10 3HT"})
        add_message(session, force, now - timedelta(minutes=5), text="no idea where")
    d = figures(beacon).demand
    wood = next(b for b in d.beats if b.code == "BH-06")
    assert (wood.contacts, wood.monitored) == (2, 1) and d.not_placed == 1


def test_workload_queue_unacknowledged_breaches_and_staff(beacon: Beacon) -> None:
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        force = force_id(session)
        user = create_user(session, force_slug="demo", username="han", password="a long password 1",
                           role=Role.HANDLER, display_name="Han Dler")
        old = add_case(session, force, now - timedelta(minutes=40), text="knife", priority="P1")
        add_case(session, force, now - timedelta(minutes=10), text="threats", priority="P2")
        taken = add_case(session, force, now - timedelta(minutes=90), text="fight", priority="P1", status="open")
        taken.assignee_id = user.id
        add_case(session, force, now, text="closed", priority="P1", status="closed")
        add_case(session, force, now, text="noise", priority="P4")
        session.add(CaseClock(force_id=force, case_id=old.id, milestone="acknowledge", priority="P1",
                              started_at=now - timedelta(minutes=40), warn_at=now - timedelta(minutes=35),
                              due_at=now - timedelta(minutes=30), breached_at=now - timedelta(minutes=30)))
        session.add(RotaShift(force_id=force, user_id=user.id, role="handler", pattern="nights",
                              starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=8)))
    w = figures(beacon).workload
    assert w.queue == {"P1": 2, "P2": 1, "P3": 0, "P4": 1} and w.unassigned == 3
    assert [(c.reference, c.minutes) for c in w.oldest_unacknowledged] == [(old.reference, 40), (w.oldest_unacknowledged[1].reference, 10)]
    assert (w.breaches_open, w.breaches_today) == (1, 1)
    assert [(p.name, p.open_cases) for p in w.staff] == [("Han Dler", 1)]


def test_a_broken_beats_file_says_what_is_wrong(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "beats.yaml"
    path.write_text("beats:\n  - code: X\n    polygon: [[0, 0], [1, 1]]\n")
    with pytest.raises(BeatMapError, match="three or more points"):
        BeatMap.load(path)
