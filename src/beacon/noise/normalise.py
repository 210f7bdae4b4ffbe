"""Text normalisation: what is left of a post once the decoration people change is removed.

Copies of one post differ in "RT @user:" prefixes, links, mentions, hashtags, emoji, case,
punctuation and HTML entities. `normalise` drops all of those so copies compare equal;
`content_terms` keeps hashtag words (they name incidents) for clustering.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata

_RT_PREFIX = re.compile(r"^\s*(?:RT|MT)\s*@(\w{1,50})\s*:?\s*", re.IGNORECASE)
# Decoration removed before comparing: @mentions (with a following colon) and links, in one pass.
# Kept this simple on purpose: alternatives that start with a word boundary make `re` test every
# position and cost ten times more. A leftover "RT" word is dropped when splitting into words.
_DECORATION = re.compile(r"@\w{1,50}:?|https?://\S+|www\.\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"#\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Anything that is not a letter or digit (in any script) becomes a space: drops punctuation and emoji.
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ASCII_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation})
_SHARE_WORDS = frozenset({"rt", "mt", "via"})
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
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _TRUNCATION.sub("", text)


def undecorated(text: str) -> str:
    """Cleaned text without share prefixes, links and mentions; hashtags still in."""
    return _DECORATION.sub(" ", clean_text(text))


def normalise(text: str) -> str:
    """The comparable core of a post: no RT prefixes, links, mentions, hashtags, emoji, case or
    punctuation; single spaces."""
    return normalise_undecorated(undecorated(text))


def normalise_undecorated(text: str) -> str:
    return " ".join(w for w in _words(_HASHTAG.sub(" ", text)) if w not in _SHARE_WORDS)


def _words(text: str) -> list[str]:
    """Lower-case words; punctuation, symbols and emoji are separators."""
    if text.isascii():  # fast path: a translate table instead of a Unicode regex
        return text.translate(_ASCII_PUNCTUATION).lower().split()
    return _NON_WORD.sub(" ", text.casefold()).split()


def content_terms(text: str) -> frozenset[str]:
    """Informative words of a post for incident clustering: hashtag words kept, stopwords dropped."""
    return terms_of_undecorated(undecorated(text))


def terms_of_undecorated(text: str) -> frozenset[str]:
    return frozenset(ordered_terms_of_undecorated(text))


def ordered_terms_of_undecorated(text: str) -> tuple[str, ...]:
    """The informative words, each once, in the order the text first uses them."""
    return tuple(dict.fromkeys(
        w for w in _words(text) if len(w) > 2 and w not in STOPWORDS and not w.isdigit()))


def display_text(text: str, limit: int = 100) -> str:
    """A short, readable version for titles: entities decoded, RT prefix and links removed."""
    _, body = strip_share_prefix(clean_text(text))
    body = " ".join(_URL.sub(" ", body).split())
    return body if len(body) <= limit else body[: limit - 1].rstrip() + "…"
