"""Noise: one item per underlying post, one incident per cluster of independent reports.

A pure, storage-free streaming library. Feed `NoiseTracker.observe` one `Observation` at a time in
arrival order; store the `NoiseDecision` it returns (item and incident ids, counts, alert); write
each `OverrideEvent` from `split`/`merge` to the audit log; after a restart, `rebuild` from the
stored observations and override events. See docs/noise.md.
"""

from beacon.noise.decisions import (
    AlertReason,
    DecisionKind,
    IncidentSummary,
    NoiseDecision,
    OverrideEvent,
    TimelineEntry,
)
from beacon.noise.normalise import normalise
from beacon.noise.observation import Observation, ObservationError, from_inbound
from beacon.noise.settings import NoiseSettings, NoiseSettingsError
from beacon.noise.supervision import NoiseTracker, rebuild
from beacon.noise.tracker import NoiseError

__all__ = [
    "AlertReason",
    "DecisionKind",
    "IncidentSummary",
    "NoiseDecision",
    "NoiseError",
    "NoiseSettings",
    "NoiseSettingsError",
    "NoiseTracker",
    "Observation",
    "ObservationError",
    "OverrideEvent",
    "TimelineEntry",
    "from_inbound",
    "normalise",
    "rebuild",
]
