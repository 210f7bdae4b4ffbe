"""The knobs of noise handling, each with what it trades (see docs/noise.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


class NoiseSettingsError(ValueError):
    """A noise setting is outside the range that makes sense."""


@dataclass(frozen=True, slots=True)
class NoiseSettings:
    # State older than this (by message time) is forgotten: bounds memory.
    window: timedelta = timedelta(hours=24)
    # Jaccard similarity of word shingles at or above which a different text is a near-copy: its
    # own item (items hold copies and shares only) in the incident of the post it nearly copies.
    near_copy_threshold: float = 0.7
    # MinHash LSH banding: bands x rows permutations. More bands finds more candidates, costs memory.
    lsh_bands: int = 10
    lsh_rows: int = 5
    # Share of a report's informative (idf-weighted) words an incident must already hold to join it.
    cluster_threshold: float = 0.5
    # A report joins an incident only if the incident had a report this recently.
    cluster_gap: timedelta = timedelta(hours=6)
    # Two known places further apart than this are different incidents.
    place_radius_km: float = 3.0
    # A surge: this many independent reporters inside surge_window.
    surge_window: timedelta = timedelta(minutes=30)
    surge_reporters: int = 5
    # A surging incident gets at least this attention (1 = P1 ... 4 = P4); it never lowers anything.
    surge_floor: int = 2
    # A new report (or an escalating copy) at this priority or more urgent raises an alert.
    alert_priority: int = 1

    def __post_init__(self) -> None:
        _check(0.0 < self.near_copy_threshold <= 1.0, "near_copy_threshold must be in (0, 1]")
        _check(0.0 < self.cluster_threshold <= 1.0, "cluster_threshold must be in (0, 1]")
        _check(self.lsh_bands >= 1 and self.lsh_rows >= 1, "lsh_bands and lsh_rows must be >= 1")
        _check(self.window > timedelta(0), "window must be positive")
        _check(self.cluster_gap > timedelta(0), "cluster_gap must be positive")
        _check(self.surge_reporters >= 2, "surge_reporters must be >= 2")
        _check(1 <= self.surge_floor <= 4, "surge_floor must be a priority 1..4")
        _check(1 <= self.alert_priority <= 4, "alert_priority must be a priority 1..4")
        _check(self.place_radius_km >= 0, "place_radius_km must be >= 0")

    @property
    def num_perm(self) -> int:
        return self.lsh_bands * self.lsh_rows


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise NoiseSettingsError(message)


def noise_settings_from(settings: object) -> NoiseSettings:
    """`NoiseSettings` from Beacon's `Settings` (the `BEACON_NOISE_*` block of `beacon.config`).

    Read by attribute, so the library does not import the application's configuration; a setting
    the object lacks keeps its default. Out-of-range values raise `NoiseSettingsError` at start-up.
    """
    default = NoiseSettings()

    def read(name: str, fallback: object) -> object:
        value = getattr(settings, f"noise_{name}", None)
        return fallback if value is None else value

    return NoiseSettings(
        window=timedelta(hours=float(read("window_hours", default.window / timedelta(hours=1)))),
        near_copy_threshold=float(read("near_copy_threshold", default.near_copy_threshold)),
        cluster_threshold=float(read("cluster_threshold", default.cluster_threshold)),
        place_radius_km=float(read("place_radius_km", default.place_radius_km)),
        surge_window=timedelta(minutes=float(
            read("surge_window_minutes", default.surge_window / timedelta(minutes=1)))),
        surge_reporters=int(read("surge_reporters", default.surge_reporters)),
        surge_floor=int(read("surge_floor", default.surge_floor)),
    )
