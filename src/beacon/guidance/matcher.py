"""Which articles fit a case: a small, explainable score.

score = 3 for each of the case's categories (or vulnerabilities) the article is written for
      + 0.75 for each of the article's keywords found in the case's words (at most 3)
      + 4 × TF-IDF cosine similarity of the case's words and the article's words

Categories dominate because triage already did the hard reading; the words catch what triage
filed elsewhere (a "missing" message triaged as information) and order articles that share a
category. Every match carries its reasons so the handler sees why it was offered.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from beacon.guidance.articles import Article

CATEGORY_WEIGHT = 3.0
KEYWORD_WEIGHT = 0.75
KEYWORD_CAP = 3.0
TEXT_WEIGHT = 4.0
MIN_SCORE = 1.5  # one shared word and a little overlap is not enough to interrupt a handler
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    "a an and are as at be been but by can could did do does for from had has have he her him his "
    "i if im in is it its me my no not of on or our she so that the their them they this to too "
    "us was we were what when where which who will with would you your just get got been being "
    "there here then than into out up down over about after before again very".split()
)


@dataclass(frozen=True)
class CaseText:
    """What the matcher reads from a case: triage's labels and the citizen's words."""

    categories: frozenset[str] = frozenset()
    text: str = ""


@dataclass(frozen=True)
class GuidanceMatch:
    article: Article
    score: float
    reasons: tuple[str, ...] = field(default=())


def tokens(text: str) -> list[str]:
    words = (_stem(w) for w in _WORD.findall(text.lower().replace("’", "'")))
    return [w for w in words if w not in _STOP and len(w) > 1]


def match_articles(case: CaseText, articles: Sequence[Article], limit: int = 3) -> list[GuidanceMatch]:
    """The best `limit` articles for the case, best first; none below MIN_SCORE."""
    case_words = tokens(case.text)
    index = _TfIdf([_article_words(a) for a in articles])
    case_vector = index.vector(case_words)
    matches = [_score(case, set(case_words), a, index.cosine(case_vector, i)) for i, a in enumerate(articles)]
    good = [m for m in matches if m.score >= MIN_SCORE]
    return sorted(good, key=lambda m: (-m.score, m.article.title))[:limit]


def _score(case: CaseText, case_words: set[str], article: Article, similarity: float) -> GuidanceMatch:
    reasons = []
    shared = sorted(set(article.categories) & case.categories)
    score = CATEGORY_WEIGHT * len(shared)
    if shared:
        reasons.append("category " + ", ".join(shared))
    hits = [k for k in article.keywords if _keyword_found(k, case_words)]
    if hits:
        score += min(KEYWORD_CAP, KEYWORD_WEIGHT * len(hits))
        reasons.append("words " + ", ".join(hits[:5]))
    score += TEXT_WEIGHT * similarity
    if similarity >= 0.1:
        reasons.append(f"text similarity {similarity:.2f}")
    return GuidanceMatch(article, round(score, 3), tuple(reasons))


def _keyword_found(keyword: str, case_words: set[str]) -> bool:
    words = tokens(keyword)
    return bool(words) and all(w in case_words for w in words)


def _article_words(article: Article) -> list[str]:
    # Title and keywords count twice: they say what the article is about; the body says how.
    focus = tokens(article.title + " " + " ".join(article.keywords))
    return focus + focus + tokens(article.body)


def _stem(word: str) -> str:
    """Just enough stemming that 'threats' meets 'threat' and 'missing' meets 'missing'."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class _TfIdf:
    """TF-IDF over the article set; a case is weighed with the same document frequencies."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        frequency: Counter[str] = Counter()
        for words in documents:
            frequency.update(set(words))
        n = len(documents)
        self.idf = {w: math.log((1 + n) / (1 + df)) + 1 for w, df in frequency.items()}
        self.vectors = [self.vector(words) for words in documents]

    def vector(self, words: Iterable[str]) -> dict[str, float]:
        counts = Counter(w for w in words if w in self.idf)
        weights = {w: (1 + math.log(c)) * self.idf[w] for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        return {w: v / norm for w, v in weights.items()}

    def cosine(self, case_vector: dict[str, float], index: int) -> float:
        article = self.vectors[index]
        return sum(weight * article.get(word, 0.0) for word, weight in case_vector.items())
