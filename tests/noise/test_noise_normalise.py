"""Normalisation removes what copies of one post differ in, and keeps what incidents share."""

from __future__ import annotations

from beacon.noise.normalise import content_terms, normalise, strip_share_prefix


def test_copies_with_decoration_normalise_equal() -> None:
    plain = "Road closed at Brook Street after a crash, avoid the area"
    decorated = (
        "RT @SurreyRoads: ROAD CLOSED at Brook Street after a crash &amp; avoid the area!! "
        "🚓 #Guildford https://t.co/abc123 via @Someone"
    )
    assert normalise(decorated) == normalise(plain)
    assert normalise(plain) == "road closed at brook street after a crash avoid the area"


def test_share_prefix_is_split_from_the_body() -> None:
    assert strip_share_prefix("RT @force: Jamie found safe") == ("force", "Jamie found safe")
    assert strip_share_prefix("Jamie found safe") == (None, "Jamie found safe")


def test_content_terms_keep_hashtag_words_and_drop_stopwords() -> None:
    terms = content_terms("Fire on the #CheltenhamHighStreet, please avoid https://t.co/x")
    assert "cheltenhamhighstreet" in terms and "fire" in terms
    assert "the" not in terms and "please" not in terms
