"""The text features of one message, computed once and only as far as a decision needs them.

Shares found by provider reference never need shingles, so shingles, band keys and clustering
terms are computed on first use: a retweet storm costs a dictionary lookup per message.
"""

from __future__ import annotations

import sys

import numpy as np

from beacon.noise.nearcopy import NearCopyIndex
from beacon.noise.normalise import (
    copy_form,
    ordered_terms_of_undecorated,
    strip_share_prefix,
    undecorated,
)
from beacon.noise.signatures import BandKeys, Shingles, containment, shingles

_NO_KEYS: BandKeys = np.zeros(0, dtype=np.uint64)

# Words that say "pass this on" and nothing new: a reply or quote made only of these repeats.
FILLER_WORDS = frozenset(
    "rt retweet retweeted please pls plz share shared sharing spread the word done everyone "
    "this so sad omg wow amen praying prayers".split()
)


# A cut text is matched by its first words only when it has at least this many sure ones: a cut
# retweet keeps about 15-20, while "There's another school..." (4) says too little to be a copy.
PREFIX_WORDS = 8
# "RT @name: text" this long may be a retweet cut at 140 characters with no "…" (clients did so).
FULL_RETWEET_CHARS = 130


class TextFeatures:
    __slots__ = ("text", "_undecorated", "share_prefix", "normalised", "truncated", "sure", "words",
                 "key", "prefix_key", "_shingles", "_keys", "_terms")

    def __init__(self, text: str) -> None:
        handle, body = strip_share_prefix(text)
        self.text = text
        self._undecorated = undecorated(body)
        self.share_prefix = handle is not None
        self.normalised, cut = copy_form(text)
        # A retweet's text at the old 140-character limit may have been cut there without any mark.
        self.truncated = cut or (self.share_prefix and len(text) >= FULL_RETWEET_CHARS)
        self.words = self.normalised.count(" ") + 1 if self.normalised else 0
        # The words known to be the author's: a cut text's last word may be a fragment.
        self.sure = self.normalised.rsplit(" ", 1)[0] if self.truncated and self.words > 1 else (
            "" if self.truncated else self.normalised)
        self.key: int | None = hash(self.normalised) if self.normalised else None
        self.prefix_key = _prefix_key(self.sure)
        self._shingles: Shingles | None = None
        self._keys: BandKeys | None = None
        self._terms: tuple[str, ...] | None = None

    @property
    def shingles(self) -> Shingles:
        """Shingles of the sure words, so a cut copy's are all among its original's."""
        if self._shingles is None:
            self._shingles = shingles(self.sure)
        return self._shingles

    def band_keys(self, index: NearCopyIndex[object]) -> BandKeys:
        if self._keys is None:
            self._keys = index.keys_for(self.shingles) if self.normalised else _NO_KEYS
        return self._keys

    @property
    def terms(self) -> tuple[str, ...]:
        """Clustering terms in text order, interned: a window holds millions of them, mostly the
        same words. Text order (not set order, which varies with the process's string hashing)
        makes clustering ties, and so a `rebuild` in another process, come out the same."""
        if self._terms is None:
            self._terms = tuple(sys.intern(t) for t in ordered_terms_of_undecorated(self._undecorated))
        return self._terms

    def only_filler(self) -> bool:
        return all(word in FILLER_WORDS for word in self.normalised.split())

    def repeats(self, other_key: int | None, other_shingles: Shingles, other_truncated: bool,
                threshold: float) -> bool:
        """True when this text adds nothing to the other post: empty, filler, a retweet's "RT @",
        equal, a cut copy of it (or it a cut copy of this), or (nearly) contained in it."""
        if not self.normalised or self.share_prefix or self.only_filler() or self.key == other_key:
            return True
        if self.cut_copy_of(other_shingles, other_truncated):
            return True
        # Containment is at least Jaccard, so this also covers near-copies.
        return containment(self.shingles, other_shingles) >= threshold

    def cut_copy_of(self, other_shingles: Shingles, other_truncated: bool) -> bool:
        """One of the two is cut short and all the sure words of the shorter are in the longer.

        Shingles hold word pairs, so "all in" is close to "a prefix of"; callers only ask about
        posts whose first PREFIX_WORDS words are the same (or that a reference links)."""
        mine = self.shingles
        if not (self.truncated or other_truncated) or not mine.size or not other_shingles.size:
            return False
        if self.truncated and containment(mine, other_shingles) == 1.0:
            return True
        return other_truncated and containment(other_shingles, mine) == 1.0


def _prefix_key(sure: str) -> int | None:
    """Hash of the first PREFIX_WORDS words, or None for a text with fewer."""
    words = sure.split(" ", PREFIX_WORDS)
    if len(words) < PREFIX_WORDS or not sure:
        return None
    return hash(" ".join(words[:PREFIX_WORDS]))
