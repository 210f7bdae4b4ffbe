"""Text normalisation: what is left of a post once the decoration people change is removed.

Copies of one post differ in "RT @user:" prefixes, links, mentions, hashtags, emoji, case,
punctuation and HTML entities. `normalise` drops all of those so copies compare equal;
`content_terms` keeps hashtag words (they name incidents) for clustering.
"""

from __future__ import annotations

import html
import re
import unicodedata

_RT_PREFIX = re.compile(r"^\s*(?:RT|MT)\s*@(\w{1,50})\s*:?\s*", re.IGNORECASE)
_ANY_RT = re.compile(r"\b(?:RT|MT|via)\s*@\w{1,50}\s*:?", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|co\.uk|org|net|ly|gov\.uk)/\S*", re.I)
_MENTION = re.compile(r"@\w{1,50}")
_HASHTAG = re.compile(r"#(\w+)")
# Anything that is not a letter or digit (in any script) becomes a space: drops punctuation and emoji.
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_TRUNCATION = re.compile(r"(?:\.\.\.|…)\s*$")

# Words too common to say which incident a report is about.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be been before being but by can could
    did do does doing for from get got had has have he her here hers him his how i if in into is it
    its just me more most my no not now of off on once only or other our out over own please rt s
    same she should so some still such t than that the their them then there these they this those
    through to too under until up us very via was we were what when where which while who why will
    with would you your amp http https co""".split()
)


def strip_share_prefix(text: str) -> tuple[str | None, str]:
    """Split a copy-pasted "RT @user: body" into (user, body); (None, text) when it is not one."""
    match = _RT_PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end() :]


def clean_text(text: str) -> str:
    """Decode entities, unify Unicode forms and drop trailing truncation marks."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    return _TRUNCATION.sub("", text)


def normalise(text: str) -> str:
    """The comparable core of a post: no RT prefixes, links, mentions, hashtags, emoji, case or
    punctuation; single spaces."""
    text = clean_text(text)
    text = _ANY_RT.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def content_terms(text: str) -> frozenset[str]:
    """Informative words of a post for incident clustering: hashtag words kept, stopwords dropped."""
    text = clean_text(text)
    text = _ANY_RT.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(r" \1 ", text)
    words = _NON_WORD.sub(" ", text.casefold()).split()
    return frozenset(w for w in words if len(w) > 2 and w not in STOPWORDS and not w.isdigit())


def display_text(text: str, limit: int = 100) -> str:
    """A short, readable version for titles: entities decoded, RT prefix and links removed."""
    _, body = strip_share_prefix(clean_text(text))
    body = " ".join(_URL.sub(" ", body).split())
    return body if len(body) <= limit else body[: limit - 1].rstrip() + "…"
