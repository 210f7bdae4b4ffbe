"""Normalisation removes what copies of one post differ in, and keeps what incidents share."""

from __future__ import annotations

from beacon.noise.normalise import content_terms, copy_form, normalise, strip_share_prefix


def test_copies_with_decoration_normalise_equal() -> None:
    plain = "Road closed at Brook Street after a crash & avoid the area #Guildford"
    decorated = (
        "RT @SurreyRoads: ROAD CLOSED at   Brook Street after a crash &amp; avoid the area!! "
        "🚓 #guildford https://t.co/abc123"
    )
    assert normalise(decorated) == normalise(plain)
    assert normalise(plain) == "road closed at brook street after a crash avoid the area guildford"


def test_hashtags_and_mentions_stay_words_so_an_added_one_is_a_different_text() -> None:
    plain = "Road closed at Brook Street after a crash"
    assert normalise(plain + " via @SurreyRoads") != normalise(plain)
    assert normalise(plain + " #A3") != normalise(plain)


def test_a_cut_text_is_marked_and_its_links_after_the_cut_do_not_hide_it() -> None:
    assert copy_form("RT @a: RT @b: Road closed at Brook Str…") == ("road closed at brook str", True)
    assert copy_form("Road closed at Brook Str... https://t.co/x https://t.co/Ab…")[1]
    assert copy_form("Road closed https://t.co/YWa…") == ("road closed", True)
    assert copy_form("Road closed at Brook Street https://t.co/x") == ("road closed at brook street", False)


def test_share_prefix_is_split_from_the_body() -> None:
    assert strip_share_prefix("RT @force: Jamie found safe") == ("force", "Jamie found safe")
    assert strip_share_prefix("Jamie found safe") == (None, "Jamie found safe")


def test_content_terms_keep_hashtag_words_and_drop_stopwords() -> None:
    terms = content_terms("Fire on the #CheltenhamHighStreet, please avoid https://t.co/x")
    assert "cheltenhamhighstreet" in terms and "fire" in terms
    assert "the" not in terms and "please" not in terms
