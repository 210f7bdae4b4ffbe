"""A compact MinHash LSH index of live items for near-copy lookup.

One dictionary holds every band (the band number is folded into the key), mapping to the items in
that bucket. Compared with datasketch's `MinHashLSH` (a dict and a set per band and bucket), this
halves the memory per item, which is what bounds a 24-hour window of a million messages; the
candidate rule (share at least one band) and so the S-curve are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from beacon.noise.signatures import MinHasher, Shingles, jaccard

T = TypeVar("T")


class NearCopyIndex(Generic[T]):
    def __init__(self, bands: int, rows: int, threshold: float) -> None:
        self._hasher = MinHasher(bands, rows)
        self._threshold = threshold
        # A bucket with one entry holds the entry itself; more hold a list (saves a list per item).
        self._buckets: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def keys_for(self, shingle_hashes: Shingles) -> list[int]:
        return self._hasher.band_keys(shingle_hashes)

    def best_match(
        self, shingle_hashes: Shingles, keys: list[int], shingles_of: Callable[[T], Shingles]
    ) -> tuple[T | None, float]:
        """The most similar indexed entry at or above the threshold, verified by exact Jaccard."""
        best: T | None = None
        best_score = self._threshold
        seen: set[int] = set()
        for candidate in self._candidates(keys):
            if id(candidate) in seen:
                continue
            seen.add(id(candidate))
            score = jaccard(shingle_hashes, shingles_of(candidate))
            if score >= best_score:
                best, best_score = candidate, score
        return best, (best_score if best is not None else 0.0)

    def add(self, entry: T, keys: list[int]) -> None:
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = entry
            elif isinstance(bucket, list):
                bucket.append(entry)
            else:
                self._buckets[key] = [bucket, entry]

    def remove(self, entry: T, keys: list[int]) -> None:
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket is entry:
                del self._buckets[key]
            elif isinstance(bucket, list):
                remaining = [other for other in bucket if other is not entry]
                if not remaining:
                    del self._buckets[key]
                else:
                    self._buckets[key] = remaining[0] if len(remaining) == 1 else remaining

    def _candidates(self, keys: list[int]) -> Iterator[T]:
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket is None:
                continue
            if isinstance(bucket, list):
                yield from bucket
            else:
                yield bucket  # type: ignore[misc]

