"""The same text from different accounts, with small edits, is one item; different posts are not."""

from __future__ import annotations

import pytest
from noise_builders import APPEAL, FIRE, obs

from beacon.noise import DecisionKind, NoiseSettings, NoiseTracker

EDITS = [
    APPEAL.lower(),
    APPEAL.replace("#FindJamie", "#Guildford #missing"),
    APPEAL + " https://t.co/Zz9 @BBCSurrey 🙏🙏",
    APPEAL.replace(",", "").replace(".", "!").replace("?", "??"),
    APPEAL.replace("Have you seen", "Has anyone seen"),
    APPEAL.replace("wearing a red hoodie. ", ""),
]


@pytest.mark.parametrize("edited", EDITS)
def test_edited_copy_joins_the_original_item(edited: str) -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL))
    copy = tracker.observe(obs("2", edited, minutes=2))
    assert copy.kind is DecisionKind.NEAR_COPY
    assert copy.item_id == "1" and copy.item_copies == 1


def test_different_posts_stay_different_items() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL))
    other = tracker.observe(obs("2", FIRE, minutes=1))
    assert other.new_item and other.item_id == "2"


def test_short_identical_messages_from_different_people_are_separate_reports() -> None:
    tracker = NoiseTracker()
    first = tracker.observe(obs("1", "Help police"))
    second = tracker.observe(obs("2", "help police!!"))
    assert second.new_item and second.item_id != first.item_id


def test_threshold_is_configurable() -> None:
    strict = NoiseTracker(NoiseSettings(near_copy_threshold=0.99))
    strict.observe(obs("1", APPEAL))
    edited = strict.observe(obs("2", APPEAL.replace("Have you seen", "Has anyone seen")))
    assert edited.new_item
