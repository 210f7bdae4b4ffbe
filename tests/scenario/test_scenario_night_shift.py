"""The night-shift generator: deterministic, valid, and carrying every storyline it promises."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from beacon.messages import InboundMessage
from beacon.scenario import generate_night_shift

Night = tuple[list[dict[str, Any]], list[dict[str, Any]]]


@cache
def night(seed: int = 7, messages: int | None = None) -> Night:
    return generate_night_shift(seed, messages)


def test_same_seed_gives_identical_output() -> None:
    assert generate_night_shift(7) == generate_night_shift(7)


def test_different_seed_gives_different_output() -> None:
    assert night(7)[0] != night(8)[0]


def test_every_message_validates_as_inbound_message() -> None:
    for record in night()[0]:
        InboundMessage.model_validate(record)


def test_default_size_is_a_few_hundred() -> None:
    assert 300 <= len(night()[0]) <= 600


def test_messages_option_sets_the_exact_count() -> None:
    assert len(generate_night_shift(3, messages=120)[0]) == 120


def test_too_few_messages_is_refused() -> None:
    with pytest.raises(ValueError, match="messages must be between"):
        generate_night_shift(3, messages=5)


def test_truth_aligns_one_to_one() -> None:
    messages, truths = night()
    assert len(messages) == len(truths)
    for message, truth in zip(messages, truths, strict=True):
        assert truth["provider_message_id"] == message["provider_message_id"]
        assert truth["channel_account"] == message["channel_account"]
        assert truth["priority"] in {"P1", "P2", "P3", "P4"}
        assert truth["disposition"] in {"close", "share", "monitor", "case"}
        assert truth["categories"]


def test_provider_ids_are_unique_per_account() -> None:
    keys = [(m["channel_account"], m["provider_message_id"]) for m in night()[0]]
    assert len(keys) == len(set(keys))


def test_times_are_ascending_and_inside_the_night() -> None:
    times = [InboundMessage.model_validate(m).created_at for m in night()[0]]
    assert times == sorted(times)
    assert times[0] >= datetime(2025, 11, 14, 22, tzinfo=UTC)
    assert times[-1] <= datetime(2025, 11, 15, 7, tzinfo=UTC)


def test_retweet_storm_shares_one_original_at_least_100_times() -> None:
    messages, truths = night()
    shared = Counter(m["shared_of"] for m in messages if m["shared_of"])
    original, count = shared.most_common(1)[0]
    assert count >= 100
    assert original in {m["provider_message_id"] for m in messages}
    storm = [t for m, t in zip(messages, truths, strict=True) if m["shared_of"] == original]
    assert {t["case"] for t in storm} == {None}
    assert len({t["incident"] for t in storm}) == 1


def test_retweets_carry_x_referenced_tweets() -> None:
    retweets = [m for m in night()[0] if m["text"].startswith("RT @") and m["shared_of"]]
    assert retweets
    for retweet in retweets:
        refs = retweet["raw"]["data"]["referenced_tweets"]
        assert refs[0]["id"] == retweet["shared_of"]


def test_someone_who_cannot_phone_sends_a_p1_after_midnight() -> None:
    midnight = datetime(2025, 11, 15, tzinfo=UTC)
    hits = [
        m
        for m, t in zip(*night(), strict=True)
        if t["priority"] == "P1"
        and InboundMessage.model_validate(m).created_at >= midnight
        and any(
            words in m["text"].lower()
            for words in (
                "can't call",
                "cant phone",
                "can't phone",
                "i can't speak",
                "cant ring",
                "can't talk",
            )
        )
    ]
    assert hits


def test_p1s_include_domestic_abuse_self_harm_and_a_knife() -> None:
    categories = {c for t in night()[1] if t["priority"] == "P1" for c in t["categories"]}
    assert {"domestic_abuse", "self_harm", "weapon"} <= categories


def test_one_person_writes_on_two_channels() -> None:
    channels_by_person = defaultdict(set)
    for message, truth in zip(*night(), strict=True):
        channels_by_person[truth["person"]].add(message["channel"])
    assert any(
        len(channels) >= 2
        for person, channels in channels_by_person.items()
        if person != "person:force"
    )


def test_an_incident_is_reported_by_several_people_on_several_channels() -> None:
    reporters: defaultdict[str, set[str]] = defaultdict(set)
    channels: defaultdict[str, set[str]] = defaultdict(set)
    for message, truth in zip(*night(), strict=True):
        if truth["case"] and truth["priority"] == "P1":
            reporters[truth["incident"]].add(truth["person"])
            channels[truth["incident"]].add(message["channel"])
    assert any(len(reporters[i]) >= 4 and len(channels[i]) >= 3 for i in reporters)


def test_phones_are_in_the_ofcom_drama_range() -> None:
    for message in night()[0]:
        if message["channel"] in ("sms", "whatsapp"):
            assert message["author"]["id"].startswith("+447700900")
            assert len(message["author"]["id"]) == 13


@pytest.mark.parametrize(
    ("channel", "pattern"),
    [
        ("sms", r"^SM[0-9a-f]{32}$"),
        ("whatsapp", r"^wamid\."),
        ("email", r"^<.+@.+>$"),
        ("x", r"^\d{18,19}$"),
    ],
)
def test_provider_ids_look_like_the_provider(channel: str, pattern: str) -> None:
    import re

    ids = [m["provider_message_id"] for m in night()[0] if m["channel"] == channel]
    assert ids and all(re.match(pattern, pid) for pid in ids)


def test_no_case_for_p4_chatter() -> None:
    for truth in night()[1]:
        if truth["priority"] == "P4":
            assert truth["case"] is None


def test_the_second_channel_email_carries_the_same_case_and_photos() -> None:
    by_case = defaultdict(list)
    for message, truth in zip(*night(), strict=True):
        if truth["storyline"] == "crossover.bike_theft":
            by_case[truth["case"]].append(message)
    [(_, messages)] = by_case.items()
    assert [m["channel"] for m in messages] == ["facebook", "email"]
    assert messages[1]["media"] and messages[1]["raw"]["attachments"]
