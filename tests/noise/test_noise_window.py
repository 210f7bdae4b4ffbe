"""Memory is bounded by the window, and a restart rebuilds the same state from the store."""

from __future__ import annotations

from dataclasses import replace

from noise_builders import APPEAL, FIRE, at, obs
from test_noise_incidents import FIRE_REPORTS

from beacon.noise import NoiseSettings, NoiseTracker, rebuild
from beacon.noise.settings import NoiseSettingsError


def _stream() -> list:
    messages = [obs("a1", APPEAL, author_id="surreypolice", priority=2)]
    messages += [obs(f"rt{n}", "RT @surreypolice: " + APPEAL, minutes=n, shared_of="a1")
                 for n in range(5)]
    messages += [obs(f"f{n}", text, minutes=10 + n) for n, text in enumerate([FIRE, *FIRE_REPORTS])]
    messages += [obs("c1", APPEAL.lower(), minutes=20, priority=1)]
    return messages


def test_state_older_than_the_window_is_evicted() -> None:
    settings = NoiseSettings(window=NoiseSettings().window / 24)  # one hour
    tracker = NoiseTracker(settings)
    for message in _stream():
        tracker.observe(message)
    assert tracker.stats()["items"] == 1 + 7
    tracker.observe(obs("late", "Lost dog found on Park Road", minutes=60 * 3))
    assert tracker.stats() == {"items": 1, "incidents": 1, "messages": 1, "pending_refs": 0}
    again = tracker.observe(obs("rt-old", "", minutes=60 * 3, shared_of="a1"))
    assert again.new_item  # its original has left the window: a new first sighting


def test_rebuild_gives_the_same_decisions_and_respects_overrides() -> None:
    messages = _stream()
    live = NoiseTracker()
    for message in messages[:9]:
        live.observe(message)
    event = live.split("f1", actor="sgt.khan", reason="a different building", at=at(13))
    later = [live.observe(message) for message in messages[9:]]

    restored = rebuild(messages[:9], [event])
    assert [restored.observe(message) for message in messages[9:]] == later
    assert restored.stats() == live.stats()
    assert restored.incidents() == live.incidents()
    probe = obs("probe", "RT @x: " + FIRE_REPORTS[0], minutes=30, shared_of="f1")
    assert restored.observe(probe) == live.observe(probe)
    replayed = rebuild(messages, [event])
    assert [replayed.incident_of(d.message_id) for d in later] == [d.incident_id for d in later]


def test_bad_settings_are_refused_with_a_clear_error() -> None:
    try:
        replace(NoiseSettings(), near_copy_threshold=0)
    except NoiseSettingsError as error:
        assert "near_copy_threshold" in str(error)
    else:
        raise AssertionError("expected NoiseSettingsError")


def test_settings_come_from_the_beacon_noise_environment_block(monkeypatch) -> None:
    from datetime import timedelta

    from beacon.config import Settings
    from beacon.noise.settings import noise_settings_from

    assert noise_settings_from(Settings()) == NoiseSettings()
    monkeypatch.setenv("BEACON_NOISE_WINDOW_HOURS", "12")
    monkeypatch.setenv("BEACON_NOISE_NEAR_COPY_THRESHOLD", "0.8")
    monkeypatch.setenv("BEACON_NOISE_CLUSTER_THRESHOLD", "0.4")
    monkeypatch.setenv("BEACON_NOISE_PLACE_RADIUS_KM", "1.5")
    monkeypatch.setenv("BEACON_NOISE_SURGE_WINDOW_MINUTES", "15")
    monkeypatch.setenv("BEACON_NOISE_SURGE_REPORTERS", "8")
    monkeypatch.setenv("BEACON_NOISE_SURGE_FLOOR", "1")
    assert noise_settings_from(Settings()) == replace(
        NoiseSettings(), window=timedelta(hours=12), near_copy_threshold=0.8, cluster_threshold=0.4,
        place_radius_km=1.5, surge_window=timedelta(minutes=15), surge_reporters=8, surge_floor=1)
    monkeypatch.setenv("BEACON_NOISE_NEAR_COPY_THRESHOLD", "1.5")
    try:
        noise_settings_from(Settings())
    except NoiseSettingsError as error:
        assert "near_copy_threshold" in str(error)
    else:
        raise AssertionError("expected NoiseSettingsError")
