"""Compose the storylines into one night, in time order, with the truth beside each message.

The fixed storylines (emergencies, multi-witness incidents, people on two channels) are always
present; the retweet storm takes a share of the requested size and routine reports and chatter
fill the rest, so `messages` is met exactly.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from beacon.scenario.model import Draft
from beacon.scenario.scene import Scene
from beacon.scenario.storylines import chatter, crossover, emergencies, incidents, routine, storm

DEFAULT_MESSAGES = 450
DEFAULT_NIGHT = date(2025, 11, 14)  # a Friday: pubs close, the night is busy
MIN_MESSAGES = 60
MAX_MESSAGES = 2000  # beyond this the drama phone range runs out of distinct people
STORM_SHARE = 0.45
ROUTINE_SHARE_OF_FILL = 0.45


def generate_night_shift(
    seed: int, messages: int | None = None, night: date | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The night's messages (InboundMessage JSON) and the truth for each, both in time order."""
    drafts = build_drafts(seed, messages or DEFAULT_MESSAGES, night or DEFAULT_NIGHT)
    return (
        [draft.message.model_dump(mode="json") for draft in drafts],
        [draft.truth_record() for draft in drafts],
    )


def build_drafts(seed: int, messages: int, night: date) -> list[Draft]:
    if not MIN_MESSAGES <= messages <= MAX_MESSAGES:
        raise ValueError(
            f"messages must be between {MIN_MESSAGES} and {MAX_MESSAGES}, not {messages}"
        )
    scene = Scene(seed, night)
    drafts: list[Draft] = []
    for storyline in (*emergencies.STORYLINES, *incidents.STORYLINES, *crossover.STORYLINES):
        drafts += storyline(scene)
    drafts += storm.missing_person_appeal(scene, round(messages * STORM_SHARE))
    fill = messages - len(drafts)
    routine_count = round(fill * ROUTINE_SHARE_OF_FILL)
    drafts += routine.routine_reports(scene, routine_count)
    drafts += chatter.questions_and_chatter(scene, fill - routine_count)
    # A stable sort keeps cause before effect when two messages share a second.
    return sorted(drafts, key=lambda draft: draft.message.created_at)
