"""The compact state (slot-based LSH index, packed accounts and message ids) decides exactly as the
plain dictionaries did: same decisions on a fixed synthetic stream, same candidates and order."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

import numpy as np

from beacon.noise import NoiseSettings, NoiseTracker, Observation, rebuild
from beacon.noise.nearcopy import NearCopyIndex
from beacon.noise.signatures import shingles

T0 = datetime(2025, 3, 1, tzinfo=UTC)
# sha256 of the decisions of `_stream()`: first taken with the plain per-band dictionaries (commit
# 457aa36), which the compact state matched decision for decision; retaken when items became
# copies and shares only (issue 17: edited copies are their own items in the copied post's
# incident). A change here must be a deliberate change of decisions, never a side effect.
GOLDEN = "94922f9922c7d06af61080dfa49ad05024cfb676b6fb73ced278bdf85daabf8a"


def _stream(count: int = 6000, seed: int = 11) -> list[Observation]:
    """Shares by reference and by text, edited copies, replies, duplicates, anonymous authors,
    audiences and places, over a small vocabulary (so posts overlap and LSH buckets collide), at a
    rate that lets a 2-hour window evict."""
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(400)]
    topics = [rng.sample(words, 8) for _ in range(60)]
    originals: list[tuple[str, str, str]] = []
    out: list[Observation] = []
    for n in range(count):
        at = T0 + timedelta(seconds=4 * n)
        author = rng.choice(["", f"a{rng.randint(0, 300)}", f"a{rng.randint(0, 30)}"])
        audience = rng.choice([None, 0, 5, 120])
        place = rng.choice([{}, {"postcode": "GU1 4AA"}, {"beat": "B1"}, {"lat": 51.2, "lon": -0.57},
                            {"lat": 51.9, "lon": -2.07}])
        priority = rng.choice([None, 1, 2, 3, 4])
        roll = rng.random()
        mid = f"m{n}"
        if originals and roll < 0.25:
            ref, who, text = originals[-1 - min(int(rng.expovariate(1 / 8)), len(originals) - 1)]
            out.append(Observation(mid, at, f"RT @{who}: {text}", "x", author, shared_of=ref,
                                   audience=audience, priority=priority))
        elif originals and roll < 0.35:
            _, who, text = rng.choice(originals[-40:])
            out.append(Observation(mid, at, f"RT @{who}: {text}", "x", author, audience=audience))
        elif originals and roll < 0.50:
            _, _, text = rng.choice(originals[-40:])
            edited = text.split()
            edited[rng.randrange(len(edited))] = rng.choice(words)
            out.append(Observation(mid, at, " ".join(edited), "facebook", author, priority=priority,
                                   **place))
        elif originals and roll < 0.55:
            ref, _, _ = rng.choice(originals[-40:])
            reply = rng.choice(["please share", "seen him on " + " ".join(rng.sample(words, 5)), ""])
            out.append(Observation(mid, at, reply, "x", author, reply_to=ref))
        elif out and roll < 0.58:
            out.append(out[rng.randrange(len(out))])  # a duplicate delivery
            continue
        elif roll < 0.60:
            out.append(Observation(mid, at, rng.choice(["help", "help police", "RT @x: help"]), "sms",
                                   author, forwarded=rng.random() < 0.5))
        else:
            topic = rng.choice(topics[: 10 + n * 50 // count])
            text = " ".join(rng.sample(topic, 6) + rng.choices(words, k=rng.randint(1, 6)))
            originals.append((mid, author or "anon", text))
            out.append(Observation(mid, at, text, "x", author, priority=priority, audience=audience,
                                   **place))
    return out


def _fingerprint(decisions: list) -> str:
    digest = hashlib.sha256()
    for d in decisions:
        digest.update(repr((d.message_id, str(d.kind), d.new_item, d.item_id, d.item_shares,
                            d.item_copies, d.item_reach, d.item_priority, d.incident_id,
                            d.incident_is_new, d.incident_messages, d.incident_reports,
                            d.incident_reporters, d.incident_priority, d.attention, d.surging,
                            d.alert, d.alert_reason and str(d.alert_reason), d.similarity)).encode())
    return digest.hexdigest()


def _run(settings: NoiseSettings) -> tuple[NoiseTracker, list]:
    tracker = NoiseTracker(settings)
    decisions = []
    for n, observation in enumerate(_stream()):
        decisions.append(tracker.observe(observation))
        if n == 3000:  # an override mid-stream, so moves are covered too
            incidents = [s for s in tracker.incidents() if s.reports >= 2]
            tracker.split(incidents[0].timeline[-1].item_id, actor="sgt", reason="two fires")
            if len(incidents) > 2:
                tracker.merge(incidents[1].incident_id, incidents[2].incident_id, actor="insp",
                              reason="same street")
    return tracker, decisions


def test_decisions_on_a_fixed_stream_are_unchanged_by_the_compact_state() -> None:
    tracker, decisions = _run(NoiseSettings(window=timedelta(hours=2)))
    assert _fingerprint(decisions) == GOLDEN
    assert tracker.stats()["items"] > 0


def test_rebuild_after_evictions_matches_the_live_tracker() -> None:
    settings = NoiseSettings(window=timedelta(hours=2))
    stream = _stream(3000)
    live = NoiseTracker(settings)
    for observation in stream[:2500]:
        live.observe(observation)
    restored = rebuild(stream[:2500], settings=settings)
    assert [restored.observe(o) for o in stream[2500:]] == [live.observe(o) for o in stream[2500:]]
    assert restored.stats() == live.stats()


class _PlainIndex:
    """The old index: one list per bucket, insertion order, removal keeps order."""

    def __init__(self, index: NearCopyIndex[str]) -> None:
        self.index = index
        self.buckets: dict[int, list[str]] = {}

    def candidates(self, keys: list[int]) -> list[str]:
        seen: list[str] = []
        for key in keys:
            for entry in self.buckets.get(key, []):
                if entry not in seen:
                    seen.append(entry)
        return seen


def test_compact_index_finds_the_same_candidates_in_the_same_order() -> None:
    rng = random.Random(3)
    words = [f"v{n}" for n in range(60)]
    index: NearCopyIndex[str] = NearCopyIndex(10, 5, 0.7, merge_every=7)
    plain = _PlainIndex(index)
    live: dict[str, tuple[int, list[int]]] = {}
    for step in range(3000):
        if live and rng.random() < 0.3:
            name = rng.choice(sorted(live))
            slot, keys = live.pop(name)
            index.remove(slot)
            for key in keys:
                plain.buckets[key].remove(name)
            continue
        text = " ".join(rng.choices(words[:12] if rng.random() < 0.5 else words, k=6))
        keys_array = index.keys_for(shingles(text))
        keys = [int(k) for k in keys_array]
        expected = plain.candidates(keys)
        assert [c for c in index.candidates(keys_array)] == expected, step
        name = f"e{step}"
        live[name] = (index.add(name, keys_array), keys)
        for key in keys:
            plain.buckets.setdefault(key, []).append(name)
    assert len(index) == len(live)
    assert np.all(np.diff(index._keys.astype(np.float64)) >= 0)
