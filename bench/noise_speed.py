"""Noise speed: messages per second through share, near-copy and incident stages, and peak memory.

A synthetic stream at one million messages per 24 hours (the window's design load): half shares
(by reference, or copy-pasted "RT @user:" text), a tenth edited near-copies, the rest independent
reports about a few thousand incidents. Texts are generated from made-up words, so no real post is
used. The baseline, measured in the same run, is exact raw-text matching with a dictionary.

Speed is CPU time of this process (the machine may be shared); pass --cpu to pin it to one core.
Memory: the tracker runs first, so the process's peak RSS is the tracker's peak (plus the
interpreter, numpy and the stream generator, reported before tracking starts); growth is peak RSS
after tracking minus RSS before it.

    .venv/bin/python bench/noise_speed.py --messages 1100000 --cpu 1  # the window fills to 1M
    .venv/bin/python bench/noise_speed.py --messages 100000
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from beacon.noise import NoiseSettings, NoiseTracker, Observation

START = datetime(2025, 3, 1, tzinfo=UTC)
CHUNK = 20_000


class SyntheticStream:
    """Deterministic stream of observations with known share / copy / report proportions."""

    def __init__(self, seed: int, per_day: int) -> None:
        self.rng = random.Random(seed)
        syllables = ["ka", "lo", "mi", "ter", "bra", "sun", "dle", "ven", "or", "ish", "pa", "gul"]
        self.words = list({"".join(self.rng.choices(syllables, k=self.rng.randint(2, 4)))
                           for _ in range(30_000)})
        self.common = self.words[:300]
        self.step = timedelta(days=1) / per_day
        self.recent: list[tuple[str, str, str]] = []  # (message id, author, text) of originals
        self.topics: list[list[str]] = []

    def generate(self, count: int) -> Iterator[Observation]:
        for n in range(count):
            yield self._next(n)

    def _next(self, n: int) -> Observation:
        at = START + self.step * n
        roll = self.rng.random()
        author = f"acct{self.rng.randint(0, 400_000)}"
        if self.recent and roll < 0.40:
            ref, who, text = self._popular()
            return Observation(f"m{n}", at, f"RT @{who}: {text}", "x", author, shared_of=ref)
        if self.recent and roll < 0.50:
            _, who, text = self._popular()
            return Observation(f"m{n}", at, f"RT @{who}: {text}", "x", author)
        if self.recent and roll < 0.60:
            _, _, text = self._popular()
            return Observation(f"m{n}", at, self._edit(text), "facebook", author)
        text = self._report()
        self.recent.append((f"m{n}", author, text))
        if len(self.recent) > 5_000:
            del self.recent[:1_000]
        priority = 1 if self.rng.random() < 0.01 else self.rng.choice((2, 3, 4, 4, 4))
        return Observation(f"m{n}", at, text, "x", author, priority=priority)

    def _popular(self) -> tuple[str, str, str]:
        # Recent posts are shared most: a heavy tail towards the newest.
        index = len(self.recent) - 1 - min(int(self.rng.expovariate(1 / 60)), len(self.recent) - 1)
        return self.recent[index]

    def _report(self) -> str:
        if not self.topics or self.rng.random() < 0.05:
            self.topics.append(self.rng.sample(self.words, 10))
            self.topics = self.topics[-200:]
        topic = self.topics[-1 - min(int(self.rng.expovariate(1 / 20)), len(self.topics) - 1)]
        words = self.rng.sample(topic, 9) + self.rng.choices(self.words, k=self.rng.randint(3, 6))
        words += self.rng.choices(self.common, k=4)
        self.rng.shuffle(words)
        return " ".join(words) + f" #{topic[0]}"

    def _edit(self, text: str) -> str:
        words = text.split()
        words[self.rng.randrange(len(words))] = self.rng.choice(self.common)
        return " ".join(words).upper() + " https://t.co/" + str(self.rng.randint(0, 10**6)) + " 🙏"


class ExactTextBaseline:
    """What a naive system does: one dictionary keyed by the raw text."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def observe(self, obs: Observation) -> str:
        return self.items.setdefault(obs.text, obs.message_id)


def run(tracker_factory: type, messages: int, per_day: int, keep: bool = True) -> dict[str, object]:
    tracker = tracker_factory()
    stream = SyntheticStream(seed=7, per_day=per_day)
    timings: dict[str, list[int]] = defaultdict(list)
    source = stream.generate(messages)
    busy = 0
    cpu = 0
    gc.collect()
    rss_before = _current_rss_mb()
    while True:
        chunk = [obs for _, obs in zip(range(CHUNK), source, strict=False)]
        if not chunk:
            break
        cpu_began = time.process_time_ns()
        for obs in chunk:
            began = time.perf_counter_ns()
            decision = tracker.observe(obs)
            spent = time.perf_counter_ns() - began
            busy += spent
            if keep:
                timings[getattr(decision, "kind", "exact")].append(spent)
        cpu += time.process_time_ns() - cpu_began
    # CPU time, not wall time: other work on the machine must not count against the tracker.
    return {"tracker": tracker, "seconds": cpu / 1e9, "wall_seconds": busy / 1e9, "timings": timings,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb(),
            "rss_growth_mb": _rss_mb() - rss_before, "rss_end_mb": _current_rss_mb()}


def _rss_mb() -> float:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _percentiles(values: list[int]) -> str:
    values = sorted(values)
    pick = [values[min(len(values) - 1, int(len(values) * q))] / 1000 for q in (0.5, 0.95, 0.99)]
    return "p50 {:.0f} us  p95 {:.0f} us  p99 {:.0f} us".format(*pick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400_000,
                        help="1100000 fills the 24-hour window to 1M (about 4 CPU-minutes)")
    parser.add_argument("--per-day", type=int, default=1_000_000, help="stream rate")
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this core")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    print(f"noise_speed: {args.messages:,} synthetic messages at {args.per_day:,} per 24 h "
          f"(window {NoiseSettings().window}), one process"
          + (f" pinned to core {args.cpu}" if args.cpu is not None else ""))
    # The tracker first: the process's peak RSS is then the tracker's, not the baseline's.
    result = run(NoiseTracker, args.messages, args.per_day)
    tracker = result["tracker"]
    memory = (f"peak RSS {result['peak_rss_mb']:,.0f} MB; RSS before tracking "
              f"{result['rss_before_mb']:,.0f} MB; growth while tracking "
              f"{result['rss_growth_mb']:,.0f} MB; RSS at end {result['rss_end_mb']:,.0f} MB")
    rate = args.messages / float(result["seconds"])  # type: ignore[arg-type]
    timings: dict[str, list[int]] = result["timings"]  # type: ignore[assignment]
    baseline = run(ExactTextBaseline, args.messages, args.per_day, keep=False)
    base_rate = args.messages / float(baseline["seconds"])  # type: ignore[arg-type]
    print(f"baseline (exact raw text): {base_rate:,.0f} msg/s per core")
    wall_rate = args.messages / float(result["wall_seconds"])  # type: ignore[arg-type]
    print(f"noise tracker:             {rate:,.0f} msg/s per core (CPU time; {wall_rate:,.0f} msg/s "
          f"wall), {rate / base_rate:.3f}x baseline")
    print(f"latency all:       {_percentiles([t for ts in timings.values() for t in ts])}")
    for kind, values in sorted(timings.items()):
        print(f"latency {kind:<10} {_percentiles(values)}  ({len(values):,} messages)")
    print(f"live state at end: {tracker.stats()}")  # type: ignore[attr-defined]
    print(memory)


if __name__ == "__main__":
    main()
