"""Text normalisation and tokenising shared by the lexicon and the model, so both see the same words."""

from __future__ import annotations

import html
import re

_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "\u02bc": "", "\ufe0f": ""})
# Words (with inner hyphens kept: "self-harm", "no-one"), or any single other visible character
# (punctuation and emoji are tokens too, so "!" and "🔪" can be matched).
_TOKEN = re.compile(r"\w+(?:-\w+)*|[^\w\s]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")


def normalise(text: str) -> str:
    """Lower-case, decode HTML entities, drop apostrophes (so "can't" == "cant"), drop URLs."""
    text = html.unescape(text) if "&" in text else text
    text = _URL.sub(" ", text)
    return text.lower().translate(_APOSTROPHES)


def tokens(text: str) -> list[str]:
    """The tokens of already-normalised text."""
    return _TOKEN.findall(text)


def tokenise(text: str) -> list[str]:
    return tokens(normalise(text))


def model_tokens(text: str) -> list[str]:
    """Tokens the text model sees: words only, @mentions and numbers folded, '#' dropped."""
    return model_tokens_of_normalised(normalise(text))


def model_tokens_of_normalised(text: str) -> list[str]:
    """`model_tokens` of text already passed through `normalise` (triage normalises once)."""
    text = _MENTION.sub(" @user ", text)
    words = []
    for token in tokens(text):
        if token.isdigit():
            words.append("<num>")
        elif token.isalnum() or "-" in token or not token.isascii():
            words.append(token)
        elif token in "!?":
            words.append(token)
    return words
