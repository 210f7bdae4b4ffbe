"""Supervisors split and merge; each change is an audit event and later messages respect it."""

from __future__ import annotations

import pytest
from noise_builders import APPEAL, FIRE, at, obs
from test_noise_incidents import FIRE_REPORTS

from beacon.noise import NoiseError, NoiseTracker


def _tracker_with_fire_and_appeal() -> NoiseTracker:
    tracker = NoiseTracker()
    tracker.observe(obs("f0", FIRE))
    tracker.observe(obs("f1", FIRE_REPORTS[0], minutes=1))
    tracker.observe(obs("f2", FIRE_REPORTS[1], minutes=2))
    tracker.observe(obs("a1", APPEAL, minutes=3, author_id="surreypolice"))
    return tracker


def test_split_moves_the_item_out_and_later_shares_follow_it() -> None:
    tracker = _tracker_with_fire_and_appeal()
    event = tracker.split("f2", actor="sgt.khan", reason="separate fire", at=at(4))
    assert event.action == "split" and event.actor == "sgt.khan" and event.reason
    assert event.from_incident == "f0" and event.to_incident != "f0"
    assert event.after_message_id == "a1"
    assert tracker.incident("f0").reports == 2
    share = tracker.observe(obs("f2-rt", "RT @x: " + FIRE_REPORTS[1], minutes=5, shared_of="f2"))
    assert share.incident_id == event.to_incident and share.item_id == "f2"
    assert tracker.incident(event.to_incident).messages == 2


def test_merge_folds_two_incidents_and_later_reports_of_either_join_the_survivor() -> None:
    tracker = _tracker_with_fire_and_appeal()
    event = tracker.merge("f0", "a1", actor="insp.lee", reason="same address", at=at(4))
    assert (event.action, event.from_incident, event.to_incident) == ("merge", "a1", "f0")
    summary = tracker.incident("a1")  # the absorbed id still resolves
    assert summary.incident_id == "f0" and summary.reports == 4 and summary.reporters == 4
    copy = tracker.observe(obs("a2", APPEAL.lower(), minutes=5))
    assert copy.incident_id == "f0"


def test_overrides_need_a_known_message_an_actor_and_a_reason() -> None:
    tracker = _tracker_with_fire_and_appeal()
    with pytest.raises(NoiseError):
        tracker.split("nope", actor="sgt.khan", reason="x")
    with pytest.raises(NoiseError):
        tracker.merge("f0", "a1", actor="", reason="")
    with pytest.raises(NoiseError):
        tracker.split("a1", actor="sgt.khan", reason="only report")


def test_inbox_lists_one_row_per_incident_most_urgent_first() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("f0", FIRE, priority=3))
    tracker.observe(obs("f1", FIRE_REPORTS[0], minutes=1, priority=2))
    tracker.observe(obs("a1", APPEAL, minutes=2, priority=1))
    rows = tracker.incidents()
    assert [(row.incident_id, row.reports, row.priority) for row in rows] == [
        ("a1", 1, 1), ("f0", 2, 2)]
