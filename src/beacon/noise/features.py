"""The text features of one message, computed once and only as far as a decision needs them.

Shares found by provider reference never need shingles, so shingles, band keys and clustering
terms are computed on first use: a retweet storm costs a dictionary lookup per message.
"""

from __future__ import annotations

import sys

import numpy as np

from beacon.noise.nearcopy import NearCopyIndex
from beacon.noise.normalise import (
    normalise_undecorated,
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


class TextFeatures:
    __slots__ = ("text", "_undecorated", "share_prefix", "normalised", "words", "key", "_shingles", "_keys",
                 "_terms")

    def __init__(self, text: str) -> None:
        handle, body = strip_share_prefix(text)
        self.text = text
        self._undecorated = undecorated(body)
        self.share_prefix = handle is not None
        self.normalised = normalise_undecorated(self._undecorated)
        self.words = self.normalised.count(" ") + 1 if self.normalised else 0
        self.key: int | None = hash(self.normalised) if self.normalised else None
        self._shingles: Shingles | None = None
        self._keys: BandKeys | None = None
        self._terms: tuple[str, ...] | None = None

    @property
    def shingles(self) -> Shingles:
        if self._shingles is None:
            self._shingles = shingles(self.normalised)
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

    def repeats(self, other_key: int | None, other_shingles: Shingles, threshold: float) -> bool:
        """True when this text adds nothing to the other post: empty, filler, equal, or (nearly)
        contained in it (a truncated retweet is contained in its original)."""
        if not self.normalised or self.only_filler() or self.key == other_key:
            return True
        # Containment is at least Jaccard, so this also covers near-copies.
        return containment(self.shingles, other_shingles) >= threshold
