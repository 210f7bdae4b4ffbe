"""How people actually type at 2am: lowercase, text-speak, typos, emoji.

Templates are written cleanly; `casual` roughens them so that every rendering differs and triage
meets realistic input rather than tidy sentences.
"""

from __future__ import annotations

import random
import re

_TEXT_SPEAK = (
    (r"\byou\b", "u"),
    (r"\bplease\b", "pls"),
    (r"\bbecause\b", "cos"),
    (r"\bgoing to\b", "gonna"),
    (r"\bwant to\b", "wanna"),
    (r"\btonight\b", "2nite"),
    (r"\bare\b", "r"),
    (r"\bthanks\b", "ta"),
    (r"\bsomeone\b", "some1"),
    (r"\bpeople\b", "ppl"),
    (r"\bright now\b", "rn"),
    (r"\bdon't\b", "dont"),
    (r"\bI'm\b", "im"),
)
_OPENERS = (
    "",
    "",
    "",
    "Hi, ",
    "hiya ",
    "Evening. ",
    "Hello, ",
    "Sorry to bother you but ",
    "hi there ",
)
_CLOSERS = ("", "", "", " Thanks", " cheers", " x", " Many thanks", " thank you")
EMOJI = {
    "neutral": ("", "", "👀", "🙏"),
    "fed_up": ("🙄", "🤷", "", "ffs"),
    "angry": ("😡", "🤬", "😤", "!!!"),
    "worried": ("😟", "🙏", "😰", "😢"),
    "happy": ("👏", "💙", "🙌", "👍"),
    "funny": ("😂", "🤣", "💀", "😂😂"),
    "urgent": ("🚨", "", "!!", "😭"),
}


def casual(rng: random.Random, text: str, mood: str = "neutral", roughness: float = 0.5) -> str:
    """Roughen a clean sentence; roughness 0 leaves it alone, 1 roughens nearly always."""
    if rng.random() < roughness * 0.6:
        text = _text_speak(rng, text)
    if rng.random() < roughness * 0.3:
        text = _typo(rng, text)
    if rng.random() < roughness * 0.5:
        text = text.lower()
    if rng.random() < roughness * 0.4:
        text = text.rstrip(".")
    if rng.random() < roughness * 0.7:
        emoji = rng.choice(EMOJI.get(mood, EMOJI["neutral"]))
        text = f"{text} {emoji}".rstrip()
    return text


def framed(rng: random.Random, text: str) -> str:
    """Private messages often open with a greeting and close with thanks; public posts rarely do."""
    opener = rng.choice(_OPENERS)
    if opener and text[:1].isupper() and not text.startswith("I "):
        text = text[0].lower() + text[1:]
    return opener + text + rng.choice(_CLOSERS)


def _text_speak(rng: random.Random, text: str) -> str:
    for pattern, short in rng.sample(_TEXT_SPEAK, k=rng.randint(1, 3)):
        text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    return text


def _typo(rng: random.Random, text: str) -> str:
    """Swap two letters inside one longer word, the commonest thumb slip."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) > 5 and word.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)
