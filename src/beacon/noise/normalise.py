"""Text normalisation: what is left of a post once what copies of it differ in is removed.

Copies of one post differ in "RT @user:" prefixes, links, emoji, case, whitespace, punctuation
and HTML entities, and a retweet may be cut short with "…". `copy_form` drops all of those (and
says whether the text was cut) so copies compare equal; it keeps every word, hashtag words and
@names included, because two posts that differ by a word, a tag or a "via @outlet" are two posts.
`content_terms` (for incident clustering) keeps hashtag words and drops mentions and stopwords.
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
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Anything that is not a letter or digit (in any script) becomes a space: drops punctuation and emoji.
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ASCII_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation})
_TRUNCATION = re.compile(r"(?:\.\.\.|…)\s*$")
# Every share prefix, wherever it is: retweets of retweets repeat it ("RT @a: RT @b: text").
_ANY_SHARE_PREFIX = re.compile(r"\b(?:RT|MT)\s*@\w{1,50}:?", re.IGNORECASE)
_CUT_MARKS = ("...", "…")

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
    return _TRUNCATION.sub("", decoded(text))


def copy_form(text: str) -> tuple[str, bool]:
    """(words, truncated): the post's words in order, lower-cased, with no share prefixes, links,
    punctuation, emoji or entities; `truncated` when the text ends in "…" or "..." (before any
    trailing links), so its last word may be cut and only its earlier words are sure."""
    text = decoded(text)
    if "@" in text:
        text = _ANY_SHARE_PREFIX.sub(" ", text)
    body = _without_trailing_links(text)
    truncated = body.endswith(_CUT_MARKS)
    if truncated:  # a link cut short ("https://t.co/Ab…") ends the text: it went with the links
        body = body.rstrip(".…")
    if "://" in body or "www." in body:
        body = _URL.sub(" ", body)
    return " ".join(_words(body)), truncated  # "#" and "@" are separators: their words stay


def _without_trailing_links(text: str) -> str:
    """The text before the links (and spaces) it ends with: X puts a post's own link after the cut."""
    body = text.rstrip()
    while body:
        parts = body.rsplit(None, 1)
        if not _URL.match(parts[-1]) or parts[-1].endswith(_CUT_MARKS):
            return body
        body = parts[0] if len(parts) == 2 else ""
    return body


def decoded(text: str) -> str:
    """Entities decoded and Unicode forms unified (fullwidth letters, ligatures)."""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text


def undecorated(text: str) -> str:
    """Cleaned text without share prefixes, links and mentions; hashtags still in."""
    return _DECORATION.sub(" ", clean_text(text))


def normalise(text: str) -> str:
    """The comparable core of a post (`copy_form`'s words): copies of one post are equal."""
    return copy_form(text)[0]


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
