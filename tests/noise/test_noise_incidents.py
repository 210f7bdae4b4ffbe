"""Independent reports of one incident form a cluster; priority and alerts never hide an emergency."""

from __future__ import annotations

from noise_builders import APPEAL, FIRE, obs

from beacon.noise import AlertReason, NoiseSettings, NoiseTracker

FIRE_REPORTS = [
    "Fire engines racing down Cheltenham High Street, the old cinema is on fire",
    "The old cinema on Cheltenham High Street is burning, smoke over the whole town centre",
    "Flames coming out of the roof of the old cinema, Cheltenham High Street closed",
    "Cheltenham High Street cinema fire, police have closed the road, avoid",
    "Massive smoke cloud from the cinema fire on Cheltenham High Street",
    "Old cinema Cheltenham High Street fire spreading to the shop next door",
]


def _fire_tracker() -> tuple[NoiseTracker, list]:
    tracker = NoiseTracker()
    decisions = [tracker.observe(obs("f0", FIRE, postcode="GL50 1AA"))]
    decisions += [tracker.observe(obs(f"f{n + 1}", text, minutes=n + 1))
                  for n, text in enumerate(FIRE_REPORTS)]
    return tracker, decisions


def test_independent_reports_of_one_fire_form_one_incident() -> None:
    tracker, decisions = _fire_tracker()
    assert all(d.new_item for d in decisions)
    assert {d.incident_id for d in decisions} == {"f0"}
    summary = tracker.incident("f0")
    assert summary.reports == 7 and summary.reporters == 7 and summary.messages == 7
    assert summary.first_report_id == "f0" and "cinema" in summary.title
    assert summary.places == ("GL50",)
    assert [entry.item_id for entry in summary.timeline][:2] == ["f0", "f1"]


def test_unrelated_report_starts_its_own_incident() -> None:
    tracker, _ = _fire_tracker()
    appeal = tracker.observe(obs("a1", APPEAL, minutes=10))
    assert appeal.incident_is_new and appeal.incident_id == "a1"


def test_same_words_far_apart_in_place_are_different_incidents() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", FIRE, postcode="GL50 1AA"))
    elsewhere = tracker.observe(obs("2", FIRE_REPORTS[1], postcode="M1 1AE", minutes=2))
    assert elsewhere.incident_is_new


def test_same_words_far_apart_in_time_are_different_incidents() -> None:
    tracker = NoiseTracker(NoiseSettings())
    tracker.observe(obs("1", FIRE))
    later = tracker.observe(obs("2", FIRE_REPORTS[1], minutes=60 * 8))
    assert later.incident_is_new


def test_cluster_priority_is_its_most_urgent_member_and_surge_only_raises() -> None:
    tracker = NoiseTracker(NoiseSettings(surge_reporters=5, surge_floor=2))
    tracker.observe(obs("f0", FIRE, priority=3))
    decisions = [tracker.observe(obs(f"f{n + 1}", text, minutes=n + 1, priority=4))
                 for n, text in enumerate(FIRE_REPORTS)]
    last = decisions[-1]
    assert last.incident_priority == 3
    assert last.surging and last.attention == 2
    assert [d.alert_reason for d in decisions].count(AlertReason.SURGE) == 1


def test_new_p1_inside_a_retweet_storm_still_alerts() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL, author_id="surreypolice", priority=2))
    for n in range(300):
        tracker.observe(obs(f"rt-{n}", "RT @surreypolice: " + APPEAL, minutes=n / 60,
                            shared_of="100"))
    urgent = tracker.observe(obs(
        "999", "@surreypolice the missing boy Jamie is on the railway bridge at Guildford "
        "station right now, he looks like he is going to jump", minutes=6, reply_to="100",
        priority=1))
    assert urgent.new_item and urgent.alert
    assert urgent.alert_reason is AlertReason.URGENT_REPORT
    assert urgent.incident_id == "100" and urgent.incident_messages == 302
    assert urgent.incident_priority == 1


def test_a_copy_more_urgent_than_its_item_escalates_with_an_alert() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL, priority=3))
    copy = tracker.observe(obs("2", APPEAL.lower(), priority=1))
    assert not copy.new_item and copy.alert
    assert copy.alert_reason is AlertReason.ESCALATED_COPY and copy.item_priority == 1
    quiet = tracker.observe(obs("3", APPEAL.upper(), priority=1))
    assert not quiet.alert  # already at alert priority: no second page for the same post
