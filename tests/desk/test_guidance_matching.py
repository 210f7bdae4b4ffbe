"""The guidance matcher offers the article a handler needs, and says why."""

from __future__ import annotations

import pytest

from beacon.guidance import Article, CaseText, load_shipped_articles, match_articles

SHIPPED = load_shipped_articles()


def best(categories: set[str], text: str) -> str:
    matches = match_articles(CaseText(frozenset(categories), text), SHIPPED)
    assert matches, "nothing matched"
    return matches[0].article.slug


@pytest.mark.parametrize(("categories", "text", "slug"), [
    ({"self_harm"}, "i cant do this anymore, taken all my pills", "self-harm-and-suicide-risk"),
    ({"domestic_abuse"}, "my boyfriend took my phone and wont let me leave", "domestic-abuse-disclosed-by-message"),
    ({"missing_person", "older_person"}, "my dad has dementia and has wandered off", "missing-person"),
    ({"crime.hate"}, "they shouted racist abuse at my son", "hate-crime"),
    ({"crime.fraud"}, "someone rang pretending to be my bank and i transferred money", "fraud"),
    ({"anti_social_behaviour"}, "off road bikes on the field every night again", "anti-social-behaviour"),
    ({"cannot_call"}, "i am deaf and cannot phone, someone is trying my door", "cannot-phone"),
    ({"child"}, "a toddler has been left alone in the flat next door crying for hours", "child-at-risk"),
])
def test_each_situation_gets_its_article_first(categories: set[str], text: str, slug: str) -> None:
    assert best(categories, text) == slug


def test_words_alone_find_an_article_triage_filed_elsewhere() -> None:
    # Triage called it information; the words say missing person with dementia.
    assert best({"information"}, "Nan has dementia and is missing, last seen at the bus station") == "missing-person"


def test_a_match_says_why() -> None:
    [first, *_] = match_articles(CaseText(frozenset({"self_harm"}), "I want to end it, I have pills"), SHIPPED)
    assert "category self_harm" in first.reasons
    assert any(reason.startswith("words ") and "pills" in reason for reason in first.reasons)


def test_nothing_is_offered_for_an_unrelated_case() -> None:
    assert match_articles(CaseText(frozenset({"complaint"}), "speed cameras again, waste of money"), SHIPPED) == []


def test_category_match_outranks_a_passing_word() -> None:
    articles = [
        Article(slug="a", title="Fraud", body="scam", categories=("crime.fraud",)),
        Article(slug="b", title="Noise", body="fraud fraud fraud noise", keywords=("fraud",)),
    ]
    matches = match_articles(CaseText(frozenset({"crime.fraud"}), "noise"), articles)
    assert [m.article.slug for m in matches][0] == "a"


def test_limit_caps_the_offer() -> None:
    text = CaseText(frozenset({"domestic_abuse", "child", "repeat_victim"}), "partner hit me, kids are here")
    assert len(match_articles(text, SHIPPED, limit=2)) == 2


def test_every_shipped_article_has_what_handlers_need() -> None:
    for article in SHIPPED:
        assert article.categories and article.keywords and article.templates, article.slug
        assert "## Do" in article.body or "Do /" in article.body or "**Do**" in article.body, article.slug
        assert "ask" in article.body.lower(), article.slug
