"""A compact MinHash LSH index of live items for near-copy lookup.

Entries live in numbered slots. Band keys (the band number folded into each key) sit in two
parallel numpy arrays sorted by key, 12 bytes per key and band, searched with `searchsorted`;
keys added since the last merge wait in a small dictionary and are merged in batches. Removing an
entry empties its slot at once and its keys are dropped at the next merge, after which the slot is
reused. A window of a million messages holds about four million band keys: as a dictionary of
Python ints that cost about 700 bytes per item, here about 130.

The candidate rule (share at least one band) and so the S-curve are datasketch's `MinHashLSH`'s.
Candidates come back band by band and, within a band's bucket, oldest first (merges are stable),
the order the per-bucket lists this replaced gave, so ties between equally similar posts resolve
the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from beacon.noise.signatures import BandKeys, MinHasher, Shingles, jaccard

T = TypeVar("T")

# Keys waiting in the dictionary before they are merged into the sorted arrays: a merge copies the
# arrays (about 50 MB for a full window), so it is done in batches.
MERGE_EVERY = 1 << 16


class NearCopyIndex(Generic[T]):
    def __init__(self, bands: int, rows: int, threshold: float, merge_every: int = MERGE_EVERY) -> None:
        self._hasher = MinHasher(bands, rows)
        self._threshold = threshold
        self._merge_every = merge_every
        self._entries: list[T | None] = []
        self._free: list[int] = []  # slots whose keys are gone: reusable
        self._dead: list[int] = []  # slots emptied since the last merge: keys still in the arrays
        self._live = 0
        self._keys: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
        self._slots: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        # Keys added since the last merge: key -> slot, or a list of slots oldest first.
        self._recent: dict[int, int | list[int]] = {}
        self._recent_count = 0

    def __len__(self) -> int:
        """Live entries."""
        return self._live

    def keys_for(self, shingle_hashes: Shingles) -> BandKeys:
        return self._hasher.band_keys(shingle_hashes)

    def best_match(
        self, shingle_hashes: Shingles, keys: BandKeys, shingles_of: Callable[[T], Shingles]
    ) -> tuple[T | None, float]:
        """The most similar indexed entry at or above the threshold, verified by exact Jaccard."""
        best: T | None = None
        best_score = self._threshold
        for candidate in self.candidates(keys):
            score = jaccard(shingle_hashes, shingles_of(candidate))
            if score >= best_score:
                best, best_score = candidate, score
        return best, (best_score if best is not None else 0.0)

    def candidates(self, keys: BandKeys) -> list[T]:
        """Live entries sharing a band key, each once, band by band, oldest first in a bucket."""
        key_list = keys.tolist()
        recent = self._recent
        spans: list[tuple[int, int]] | None = None
        if self._keys.size:
            low = self._keys.searchsorted(keys, side="left")
            high = self._keys.searchsorted(keys, side="right")
            if (high > low).any():
                spans = list(zip(low.tolist(), high.tolist(), strict=True))
        if spans is None and not any(key in recent for key in key_list):
            return []
        entries = self._entries
        seen: set[int] = set()
        found: list[T] = []
        for band, key in enumerate(key_list):
            slots: list[int] = []
            if spans is not None:
                low_at, high_at = spans[band]
                if high_at > low_at:
                    slots = self._slots[low_at:high_at].tolist()
            waiting = recent.get(key)
            if waiting is not None:
                slots = slots + (waiting if isinstance(waiting, list) else [waiting])
            for slot in slots:
                if slot in seen:
                    continue
                seen.add(slot)
                entry = entries[slot]
                if entry is not None:
                    found.append(entry)
        return found

    def add(self, entry: T, keys: BandKeys) -> int:
        """Index an entry under its band keys; returns the slot that `remove` takes."""
        if self._free:
            slot = self._free.pop()
            self._entries[slot] = entry
        else:
            slot = len(self._entries)
            self._entries.append(entry)
        self._live += 1
        recent = self._recent
        for key in keys.tolist():
            waiting = recent.get(key)
            if waiting is None:
                recent[key] = slot
            elif isinstance(waiting, list):
                waiting.append(slot)
            else:
                recent[key] = [waiting, slot]
        self._recent_count += len(keys)
        if self._recent_count >= self._merge_every:
            self._merge()
        return slot

    def remove(self, slot: int) -> None:
        """Forget the entry in `slot`: it is never a candidate again; its keys go at the next merge."""
        if self._entries[slot] is None:
            return
        self._entries[slot] = None
        self._dead.append(slot)
        self._live -= 1

    def _merge(self) -> None:
        """Fold the waiting keys into the sorted arrays and drop the keys of removed entries."""
        keys, slots = self._keys, self._slots
        dead = None
        if self._dead:
            dead = np.zeros(len(self._entries), dtype=bool)
            dead[self._dead] = True
            keep = ~dead[slots]
            keys, slots = keys[keep], slots[keep]
        new_keys: list[int] = []
        new_slots: list[int] = []
        for key, waiting in self._recent.items():
            if isinstance(waiting, list):
                new_keys.extend([key] * len(waiting))
                new_slots.extend(waiting)
            else:
                new_keys.append(key)
                new_slots.append(waiting)
        if new_keys:
            add_keys = np.array(new_keys, dtype=np.uint64)
            add_slots = np.array(new_slots, dtype=np.int32)
            if dead is not None:
                keep = ~dead[add_slots]
                add_keys, add_slots = add_keys[keep], add_slots[keep]
            # Stable: a bucket's waiting entries stay in arrival order, after the merged ones.
            order = np.argsort(add_keys, kind="stable")
            add_keys, add_slots = add_keys[order], add_slots[order]
            where = np.searchsorted(keys, add_keys, side="right")
            keys = np.insert(keys, where, add_keys)
            slots = np.insert(slots, where, add_slots)
        self._keys, self._slots = keys, slots
        self._free.extend(self._dead)
        self._dead = []
        self._recent = {}
        self._recent_count = 0
