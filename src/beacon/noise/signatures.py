"""Word shingles, MinHash signatures and LSH band keys, vectorised with numpy.

datasketch's `MinHash.update` hashes one shingle at a time in Python; tweets are short, so we hash
the whole shingle set in one numpy expression (multiply-shift universal hashing, the same family
of hash functions MinHash needs) and keep the code small. Seeds are fixed: results are
reproducible across processes, which `rebuild` relies on.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

_SEED = 20_240_401
_EMPTY = np.zeros(0, dtype=np.uint32)

Shingles = npt.NDArray[np.uint32]
BandKeys = npt.NDArray[np.uint64]


def shingles(normalised: str) -> Shingles:
    """Sorted unique hashes of the words and word pairs of a normalised text.

    Words and word pairs together keep short posts comparable (one changed word in a 20-word post
    leaves Jaccard around 0.8) while still telling different posts apart.
    """
    words = normalised.split()
    if not words:
        return _EMPTY
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    hashes = [zlib.crc32(gram.encode()) for gram in grams]
    return np.unique(np.fromiter(hashes, dtype=np.uint32, count=len(hashes)))


def jaccard(left: Shingles, right: Shingles) -> float:
    """Exact Jaccard similarity of two sorted unique shingle arrays."""
    if left.size == 0 or right.size == 0:
        return 0.0
    common = np.intersect1d(left, right, assume_unique=True).size
    return common / (left.size + right.size - common)


class MinHasher:
    """MinHash with `num_perm` permutations and LSH band keys of `rows` values each."""

    def __init__(self, bands: int, rows: int) -> None:
        rng = np.random.default_rng(_SEED)
        self.bands, self.rows = bands, rows
        num_perm = bands * rows
        # Odd multipliers make multiply-shift a universal family on 64-bit words.
        self._mul = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * 2 + 1
        self._add = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self._band_mul = rng.integers(1, 2**63, size=rows, dtype=np.uint64) * 2 + 1

    def signature(self, shingle_hashes: Shingles) -> npt.NDArray[np.uint64]:
        values = shingle_hashes.astype(np.uint64)
        with np.errstate(over="ignore"):
            mixed = (self._mul[:, None] * values[None, :] + self._add[:, None]) >> np.uint64(32)
        return mixed.min(axis=1)

    def band_keys(self, shingle_hashes: Shingles) -> BandKeys:
        """One integer key per band; two posts share a key when their band signatures are equal.

        The band number is folded into the key so the bands can share one dictionary.
        """
        bands = self.signature(shingle_hashes).reshape(self.bands, self.rows)
        with np.errstate(over="ignore"):
            keys = (bands * self._band_mul[None, :]).sum(axis=1, dtype=np.uint64)
            keys = keys + np.arange(self.bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        return keys


def containment(part: Shingles, whole: Shingles) -> float:
    """Share of `part`'s shingles that are also in `whole` (1.0 for a truncated copy)."""
    if part.size == 0 or whole.size == 0:
        return 0.0
    return np.intersect1d(part, whole, assume_unique=True).size / part.size
