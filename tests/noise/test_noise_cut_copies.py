"""Retweets cut short ("RT @name: <first part of the post>…") collapse onto the post they cut,
by reference and from text alone, with or without the ellipsis, in either order; posts that
merely begin alike do not."""

from __future__ import annotations

from noise_builders import APPEAL, obs

from beacon.noise import DecisionKind, NoiseTracker

# Long enough that a retweet of it is cut (fixture text, not from any data set).
LONG = (
    "Officers are at the scene of a serious collision on the A31 Hog's Back near Puttenham. The "
    "road is closed in both directions and is likely to remain so for several hours. Please find "
    "another route and do not stop to film https://t.co/Hb31"
)


def _cut(text: str, chars: int, mark: str = "…") -> str:
    return "RT @SurreyRoadPol: " + text[:chars] + mark  # cut mid-word on purpose


def test_a_cut_retweet_with_the_ellipsis_joins_the_original_from_text_alone() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG))
    share = tracker.observe(obs("2", _cut(LONG, 97), minutes=1))
    assert share.kind is DecisionKind.SHARE and share.item_id == "1"


def test_a_cut_retweet_without_the_ellipsis_joins_the_original_from_text_alone() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG))
    at_the_limit = _cut(LONG, 121, mark="")  # 140 characters, cut mid-word, no mark
    share = tracker.observe(obs("2", at_the_limit, minutes=1))
    assert len(at_the_limit) == 140
    assert share.kind is DecisionKind.SHARE and share.item_id == "1"


def test_a_short_retweet_without_a_mark_that_adds_a_word_is_not_a_cut_copy() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG[:100]))
    other = tracker.observe(obs("2", "RT @SurreyRoadPol: " + LONG[:100] + " shocking", minutes=1))
    assert other.new_item and other.item_id == "2"


def test_a_cut_retweet_with_three_dots_and_a_link_joins_the_original() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG))
    share = tracker.observe(obs("2", _cut(LONG, 120, mark="... https://t.co/Hb…"), minutes=1))
    assert share.item_id == "1"


def test_a_cut_retweet_by_reference_is_a_share_with_or_without_the_ellipsis() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG))
    marked = tracker.observe(obs("2", _cut(LONG, 40), minutes=1, shared_of="1"))
    bare = tracker.observe(obs("3", _cut(LONG, 40, mark=""), minutes=2, shared_of="1"))
    assert marked.kind is DecisionKind.SHARE and marked.item_id == "1"
    assert bare.kind is DecisionKind.SHARE and bare.item_id == "1"
    assert bare.item_shares == 2


def test_the_original_after_its_cut_retweet_joins_the_retweet_item() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", _cut(LONG, 110)))
    original = tracker.observe(obs("2", LONG, minutes=1))
    assert original.item_id == "1" and not original.new_item


def test_two_retweets_cut_at_different_points_are_one_item() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG[:100] + "… https://t.co/self"))  # the post as the API cut it
    share = tracker.observe(obs("2", _cut(LONG, 130), minutes=1))
    assert share.item_id == "1"


def test_a_cut_text_that_goes_on_differently_is_another_item() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", LONG))
    other_text = LONG[:60] + "n hour ago, with two people taken to hospital by air ambulance…"
    other = tracker.observe(obs("2", other_text, minutes=1))
    assert other.new_item and other.item_id == "2"


def test_a_short_post_ending_in_dots_is_not_a_cut_copy_of_a_longer_one() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", "Another fire on the Park Barn estate tonight, third one this week"))
    short = tracker.observe(obs("2", "Another fire on the Park Barn...", minutes=1))
    assert short.new_item and short.item_id == "2"


def test_a_cut_retweet_of_the_appeal_counts_its_reach_once_per_account() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("1", APPEAL, author_id="surreypolice"))
    first = tracker.observe(obs("2", "RT @surreypolice: " + APPEAL[:70] + "…", author_id="ann"))
    again = tracker.observe(obs("3", "RT @surreypolice: " + APPEAL[:85] + "…", author_id="ann"))
    assert first.item_id == again.item_id == "1"
    assert again.item_shares == 2 and again.item_reach == 2
