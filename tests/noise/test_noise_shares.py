"""Each kind of share, on each channel's payload shape, attaches to the original post's item."""

from __future__ import annotations

from datetime import timedelta

from noise_builders import APPEAL, T0, obs

from beacon.messages import Author, Channel, InboundMessage
from beacon.noise import DecisionKind, NoiseTracker, from_inbound
from beacon.noise.tweets import observation_from_record


def _tweet(record: dict, minutes: float = 1) -> object:
    return observation_from_record(record, message_id=record["id_str"], text=record["text"],
                                   created_at=T0 + timedelta(minutes=minutes))


def test_x_retweet_by_reference_is_a_share_of_the_original() -> None:
    tracker = NoiseTracker()
    original = tracker.observe(obs("100", APPEAL, author_id="surreypolice"))
    retweet = tracker.observe(_tweet({
        "id_str": "101", "text": "RT @surreypolice: " + APPEAL[:90] + "…",
        "user": {"id_str": "u1", "followers_count": 250},
        "retweeted_status": {"id_str": "100"},
    }))
    assert retweet.kind is DecisionKind.SHARE and not retweet.new_item
    assert retweet.item_id == original.item_id
    assert retweet.item_shares == 1
    assert retweet.item_reach == 1 + 250


def test_x_v2_referenced_tweets_retweet_is_a_share() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL))
    share = tracker.observe(_tweet({"id_str": "102", "text": "RT @surreypolice: " + APPEAL,
                                    "referenced_tweets": [{"type": "retweeted", "id": "100"}]}))
    assert share.kind is DecisionKind.SHARE and share.item_id == "100"


def test_x_quote_that_only_repeats_is_a_share_but_one_with_news_is_a_new_item() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL))
    repeat = tracker.observe(_tweet({"id_str": "103", "text": "Please share! https://t.co/q",
                                     "quoted_status_id_str": "100"}))
    sighting = tracker.observe(_tweet({
        "id_str": "104", "text": "I think I just saw him getting on the 36 bus at Guildford station",
        "quoted_status": {"id_str": "100"}}))
    assert repeat.kind is DecisionKind.SHARE and repeat.item_id == "100"
    assert sighting.new_item and sighting.item_id == "104"
    assert sighting.incident_id == repeat.incident_id  # same incident, its own row


def test_x_reply_that_repeats_the_post_is_a_share() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL))
    reply = tracker.observe(_tweet({"id_str": "105", "text": "@surreypolice " + APPEAL,
                                    "in_reply_to_status_id_str": "100"}))
    assert reply.kind is DecisionKind.SHARE and reply.item_id == "100"


def test_copy_pasted_rt_text_without_reference_is_a_share_by_text() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL, author_id="surreypolice"))
    pasted = tracker.observe(obs("106", "RT @surreypolice: " + APPEAL.upper(), minutes=3))
    assert pasted.kind is DecisionKind.SHARE and pasted.item_id == "100"
    assert pasted.similarity == 1.0


def test_facebook_page_share_by_link_collapses_even_before_the_original_is_seen() -> None:
    tracker = NoiseTracker()
    link = "https://www.facebook.com/surreypolice/posts/987"
    shares = [
        tracker.observe(from_inbound(_facebook_share(f"fb-{n}", link, minutes=n)))
        for n in range(3)
    ]
    assert shares[0].new_item and shares[0].kind is DecisionKind.SHARE
    assert {d.item_id for d in shares} == {"fb-0"}
    assert shares[-1].item_shares == 3


def test_original_arriving_after_its_shares_joins_their_item() -> None:
    tracker = NoiseTracker()
    first = tracker.observe(obs("201", "RT @force: " + APPEAL, shared_of="200"))
    late = tracker.observe(obs("200", APPEAL, author_id="force", minutes=1))
    assert late.kind is DecisionKind.LATE_ORIGINAL and late.item_id == first.item_id


def test_whatsapp_forward_with_the_same_text_is_a_share_of_the_public_post() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL))
    forwarded = InboundMessage(
        channel=Channel.WHATSAPP, channel_account="447700900000", provider_message_id="wamid.1",
        author=Author(id="+447700900123"), text=APPEAL, created_at=T0 + timedelta(minutes=5),
        raw={"type": "text", "context": {"forwarded": True}},
    )
    decision = tracker.observe(from_inbound(forwarded))
    assert decision.kind is DecisionKind.SHARE and decision.item_id == "100"


def test_the_same_message_delivered_twice_is_counted_once() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL))
    tracker.observe(obs("101", "", shared_of="100"))
    again = tracker.observe(obs("101", "", shared_of="100"))
    assert again.kind is DecisionKind.DUPLICATE and again.item_shares == 1


def test_retweet_storm_of_1000_shares_is_one_item_with_count_1000() -> None:
    tracker = NoiseTracker()
    tracker.observe(obs("100", APPEAL, author_id="surreypolice"))
    decisions = [
        tracker.observe(obs(f"rt-{n}", "RT @surreypolice: " + APPEAL, minutes=n / 100,
                            shared_of="100"))
        for n in range(1000)
    ]
    assert {d.item_id for d in decisions} == {"100"}
    assert not any(d.new_item for d in decisions)
    assert decisions[-1].item_shares == 1000
    assert decisions[-1].item_reach == 1001
    assert decisions[-1].incident_messages == 1001


def _facebook_share(message_id: str, link: str, minutes: float) -> InboundMessage:
    return InboundMessage(
        channel=Channel.FACEBOOK, channel_account="page-1", provider_message_id=message_id,
        author=Author(id=f"fb-user-{message_id}"), text="", shared_of=link,
        created_at=T0 + timedelta(minutes=minutes),
    )
