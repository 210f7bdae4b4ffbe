"""Realistic, seeded scenarios of what citizens send the force, with the truth beside each message.

`generate_night_shift(seed)` returns a night shift's messages (each the JSON form of
`beacon.messages.InboundMessage`) and a truth record for each: intended priority, categories,
person, incident, case and disposition. `DEMO_MESSAGES` and `DEMO_TRUTH` are the shipped seed-7
night the demo replays. See docs/scenario.md.
"""

from beacon.scenario.files import (
    DEMO_MESSAGES,
    DEMO_SEED,
    DEMO_TRUTH,
    default_truth_path,
    read_jsonl,
    write_night_shift,
)
from beacon.scenario.night_shift import DEFAULT_MESSAGES, DEFAULT_NIGHT, generate_night_shift

__all__ = [
    "DEFAULT_MESSAGES",
    "DEFAULT_NIGHT",
    "DEMO_MESSAGES",
    "DEMO_SEED",
    "DEMO_TRUTH",
    "default_truth_path",
    "generate_night_shift",
    "read_jsonl",
    "write_night_shift",
]
