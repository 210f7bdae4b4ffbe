"""Items hold copies and shares only: a copy that differs in case, punctuation, emoji, spaces or
links joins the original's item; an edited copy, or a different post that shares a link, a
hashtag or a template, is its own item (an edited copy in the original's incident)."""

from __future__ import annotations

import pytest
from noise_builders import APPEAL, FIRE, obs

from beacon.noise import AlertReason, DecisionKind, NoiseSettings, NoiseTracker

COPIES = [
    APPEAL.lower(),
    APPEAL.upper(),
    "  " + APPEAL.replace(" ", "   ") + "\n",
    APPEAL + " 🙏🙏 https://t.co/Zz9",
    "🚨 " + APPEAL.replace(",", "").replace(".", "!").replace("?", "??"),
    APPEAL.replace("Jamie", "JAMIE").replace("&", "&amp;") + " 💔",
]

EDITS = [
    APPEAL.replace("#FindJamie", "#Guildford #missing"),
    APPEAL + " via @BBCSurrey",
    APPEAL.replace("Have you seen", "Has anyone seen"),
    APPEAL.replace("wearing a red hoodie. ", ""),
]


@pytest.mark.parametrize("copy", COPIES)
def test_a_copy_with_other_case_emoji_punctuation_or_spaces_joins_the_original_item(copy: str) -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL))
    decision = tracker.observe(obs("2", copy, minutes=2))
    assert decision.kind is DecisionKind.NEAR_COPY
    assert decision.item_id == "1" and decision.item_copies == 1


@pytest.mark.parametrize("edited", EDITS)
def test_an_edited_copy_is_its_own_item_in_the_original_incident(edited: str) -> None:
    tracker = NoiseTracker()
    original = tracker.observe(obs("1", APPEAL))
    decision = tracker.observe(obs("2", edited, minutes=2))
    assert decision.new_item and decision.item_id == "2" and decision.item_copies == 0
    assert decision.incident_id == original.incident_id
    assert decision.similarity is not None and decision.similarity >= 0.7


def test_an_edited_copy_does_not_count_as_another_reporter() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL))
    decision = tracker.observe(obs("2", EDITS[2], minutes=2))
    assert decision.incident_reporters == 1


def test_different_posts_stay_different_items() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL))
    other = tracker.observe(obs("2", FIRE, minutes=1))
    assert other.new_item and other.item_id == "2"


def test_two_posts_sharing_a_link_are_two_items() -> None:
    tracker = NoiseTracker()
    link = " https://surrey.police.uk/news/a3-closure"
    tracker.observe(obs("1", "The A3 northbound is closed at Ripley after a collision" + link))
    other = tracker.observe(obs("2", "Diversions are signed through Send and Woking, expect delays"
                                     + link, minutes=1))
    assert other.new_item and other.item_id == "2"


def test_two_posts_sharing_hashtags_are_two_items() -> None:
    tracker = NoiseTracker()
    tags = " #GuildfordFlood #StaySafe"
    tracker.observe(obs("1", "Water coming up through the drains on Walnut Tree Close" + tags))
    other = tracker.observe(obs("2", "Sandbags being handed out at the Spectrum car park now" + tags,
                                minutes=1))
    assert other.new_item and other.item_id == "2"


def test_a_template_with_another_place_is_another_item() -> None:
    tracker = NoiseTracker()
    template = ("ROAD CLOSED: {} is closed in both directions due to flooding. Please avoid the area "
                "and find another route, we will post updates here as soon as we have them.")
    tracker.observe(obs("1", template.format("Ockham Road North")))
    other = tracker.observe(obs("2", template.format("Send Marsh Road"), minutes=1))
    assert other.new_item and other.item_id == "2"


def test_short_identical_messages_from_different_people_are_separate_reports() -> None:
    tracker = NoiseTracker()
    first = tracker.observe(obs("1", "Help police"))
    second = tracker.observe(obs("2", "help police!!"))
    assert second.new_item and second.item_id != first.item_id


def test_near_copy_threshold_is_configurable() -> None:
    strict = NoiseTracker(NoiseSettings(near_copy_threshold=0.99))
    strict.observe(obs("1", APPEAL))
    edited = strict.observe(obs("2", APPEAL.replace("Have you seen", "Has anyone seen")))
    assert edited.new_item and edited.similarity is None


def test_an_edited_copy_names_the_post_it_repeats_and_pages_only_as_a_copy_would() -> None:
    tracker = NoiseTracker()
    first = tracker.observe(obs("1", APPEAL, priority=1))
    edited = tracker.observe(obs("2", EDITS[2], minutes=2, priority=1))
    assert first.alert and edited.near_copy_of == "1" and not edited.alert
    calmer = NoiseTracker()
    calmer.observe(obs("1", APPEAL, priority=3))
    escalated = calmer.observe(obs("2", EDITS[2], minutes=2, priority=1))
    assert escalated.alert and escalated.alert_reason is AlertReason.ESCALATED_COPY
