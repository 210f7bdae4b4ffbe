"""Noise quality on the developer data: share collapse and incident clustering, against baselines.

TREC-IS developer tweets carry `retweeted_status_id`, so "same underlying post" is known: the
root of a tweet is the tweet it retweets, else itself. Share collapse is scored pairwise (pairs of
tweets put in one item that share a root = precision; pairs sharing a root put in one item =
recall), with the references given (as the live system gets them from the X API) and from text
alone (as the batch command gets CSV rows), against exact raw-text matching.
Incident clustering is scored by pairwise precision against the event label (a pair in one
incident from two different events is wrong). TREC-IS events are years apart, so a second run
shifts every event to start at the same moment: content and place alone must keep them apart.
CrisisLexT26 has no retweet ids; it gives the collapse rate and the same event-based precision.

    .venv/bin/python bench/noise_quality.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from beacon.noise import NoiseSettings, NoiseTracker, Observation
from beacon.noise.tweets import time_from_tweet_id

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Tweet:
    post_id: str
    text: str
    created_at: datetime
    event: str
    root: str
    retweet_of: str | None


def load_trec(data: Path) -> list[Tweet]:
    seen: dict[str, Tweet] = {}
    with (data / "trec-is-dev" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["post_id"] in seen:
                continue
            retweet_of = row["retweeted_status_id"] or None
            seen[row["post_id"]] = Tweet(
                row["post_id"], row["text"],
                datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")),
                re.sub(r"[A-E]$", "", row["event_id"]), retweet_of or row["post_id"], retweet_of)
    return sorted(seen.values(), key=lambda t: t.created_at)


def load_crisislex(data: Path) -> list[Tweet]:
    tweets = []
    with (data / "crisislext26" / "tweets_labeled.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            when = time_from_tweet_id(row["tweet_id"])
            if when is not None:
                tweets.append(Tweet(row["tweet_id"], row["text"], when, row["event"],
                                    row["tweet_id"], None))
    return sorted(tweets, key=lambda t: t.created_at)


def same_start(tweets: list[Tweet]) -> list[Tweet]:
    """Shift each event so all start at one moment: only content can separate them."""
    starts: dict[str, datetime] = {}
    for tweet in tweets:
        starts.setdefault(tweet.event, tweet.created_at)
    origin = min(starts.values())
    moved = [replace(t, created_at=origin + (t.created_at - starts[t.event])) for t in tweets]
    return sorted(moved, key=lambda t: t.created_at)


def pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against the true grouping."""
    both = Counter((predicted[k], truth[k]) for k in predicted)
    agree = pairs(both.values())
    claimed = pairs(Counter(predicted.values()).values())
    real = pairs(Counter(truth.values()).values())
    return (agree / claimed if claimed else 1.0), (agree / real if real else 1.0)


@dataclass
class Run:
    items: dict[str, str]
    incidents: dict[str, str]
    seconds: float
    latencies: list[int]


def track(tweets: list[Tweet], settings: NoiseSettings, with_refs: bool) -> Run:
    tracker = NoiseTracker(settings)
    items, incidents, latencies = {}, {}, []
    began = time.process_time()
    for tweet in tweets:
        obs = Observation(tweet.post_id, tweet.created_at, tweet.text, "x",
                          shared_of=tweet.retweet_of if with_refs else None)
        start = time.perf_counter_ns()
        decision = tracker.observe(obs)
        latencies.append(time.perf_counter_ns() - start)
        items[tweet.post_id], incidents[tweet.post_id] = decision.item_id, decision.incident_id
    return Run(items, incidents, time.process_time() - began, latencies)


def exact_text(tweets: list[Tweet]) -> dict[str, str]:
    first: dict[str, str] = {}
    return {t.post_id: first.setdefault(t.text, t.post_id) for t in tweets}


def share_scores(tweets: list[Tweet], items: dict[str, str]) -> tuple[float, float]:
    """Per-retweet precision and recall of share collapse against retweet references.

    A retweet is collapsed correctly when it joins an item holding an earlier tweet with the same
    root. Recall: of retweets with such an earlier tweet, the share collapsed onto it. Precision:
    of retweets collapsed onto an earlier item, the share where that item holds their root.
    """
    roots_in_item: dict[str, set[str]] = {}
    seen_roots: set[str] = set()
    collapsed = correct = findable = found = 0
    for tweet in tweets:
        item = items[tweet.post_id]
        held = roots_in_item.setdefault(item, set())
        if tweet.retweet_of:
            if item != tweet.post_id:
                collapsed += 1
                correct += tweet.root in held
            if tweet.root in seen_roots:
                findable += 1
                found += tweet.root in held
        held.add(tweet.root)
        seen_roots.add(tweet.root)
    return (correct / collapsed if collapsed else 1.0), (found / findable if findable else 1.0)


def report_shares(name: str, tweets: list[Tweet], runs: dict[str, Callable[[], dict[str, str]]]) -> None:
    truth = {t.post_id: t.root for t in tweets}
    print(f"\n## Share collapse on {name}: {len(tweets):,} tweets, "
          f"{sum(1 for t in tweets if t.retweet_of):,} retweets by reference, "
          f"{pairs(Counter(truth.values()).values()):,} same-post pairs")
    print("share P/R: per retweet, joined an item holding its root. pair P/R: pairs in one item vs")
    print("pairs with one retweet root (independent near-copies, merged by design, count as errors).")
    print(f"{'method':<46} {'share P':>7} {'share R':>7} {'pair P':>7} {'pair R':>7} {'items':>7}")
    for label, grouping in runs.items():
        items = grouping()
        share_p, share_r = share_scores(tweets, items)
        precision, recall = pairwise(items, truth)
        print(f"{label:<46} {share_p:>7.3f} {share_r:>7.3f} {precision:>7.3f} {recall:>7.3f} "
              f"{len(set(items.values())):>7,}")


def report_incidents(name: str, tweets: list[Tweet], thresholds: list[float]) -> None:
    truth = {t.post_id: t.event for t in tweets}
    print(f"\n## Incident clustering on {name}: {len(tweets):,} tweets, "
          f"{len(set(truth.values()))} events")
    print(f"{'cluster_threshold':<18} {'pair precision':>14} {'pair recall':>11} "
          f"{'incidents':>9} {'largest':>8}")
    for threshold in thresholds:
        run = track(tweets, NoiseSettings(cluster_threshold=threshold), with_refs=False)
        precision, recall = pairwise(run.incidents, truth)
        sizes = Counter(run.incidents.values())
        print(f"{threshold:<18} {precision:>14.3f} {recall:>11.3f} {len(sizes):>9,} "
              f"{max(sizes.values()):>8,}")


def percentiles(values: list[int]) -> str:
    values = sorted(values)
    p = [values[min(len(values) - 1, int(len(values) * q))] / 1000 for q in (0.5, 0.95, 0.99)]
    return "p50 {:.0f} us, p95 {:.0f} us, p99 {:.0f} us".format(*p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    trec, lex = load_trec(args.data), load_crisislex(args.data)
    default = NoiseSettings()

    runs: dict[str, Callable[[], dict[str, str]]] = {
        "baseline: exact raw text": lambda: exact_text(trec),
        "tracker, references + text (live X feed)": lambda: track(trec, default, True).items,
    }
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        label = f"tracker, text only, near_copy_threshold={threshold}"
        runs[label] = lambda t=threshold: track(trec, NoiseSettings(near_copy_threshold=t),
                                                False).items
    report_shares("TREC-IS developer tweets", trec, runs)

    report_incidents("TREC-IS, real times", trec, [default.cluster_threshold])
    report_incidents("TREC-IS, every event moved to one start time", same_start(trec),
                     [0.2, 0.3, 0.4, 0.5, 0.6])
    report_incidents("CrisisLexT26 (times from tweet ids)", lex, [0.4, 0.5, 0.6])

    lex_run = track(lex, default, with_refs=False)
    lex_exact = exact_text(lex)
    print(f"\n## Collapse rate on CrisisLexT26 ({len(lex):,} tweets, no retweet ids)")
    print(f"baseline exact raw text: {len(set(lex_exact.values())):,} items; tracker (text only): "
          f"{len(set(lex_run.items.values())):,} items; items spanning two events: "
          f"{_cross_event_items(lex, lex_run.items)}")

    speed = track(trec, default, with_refs=False)
    base_began = time.process_time()
    exact_text(trec)
    base_seconds = max(time.process_time() - base_began, 1e-9)
    rate = len(trec) / speed.seconds
    print(f"\nthroughput (TREC-IS, text only): {rate:,.0f} msg/s per core, "
          f"{rate / (len(trec) / base_seconds):.3f}x the exact-text baseline; latency "
          f"{percentiles(speed.latencies)}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def _cross_event_items(tweets: list[Tweet], items: dict[str, str]) -> int:
    events: dict[str, set[str]] = {}
    for tweet in tweets:
        events.setdefault(items[tweet.post_id], set()).add(tweet.event)
    return sum(1 for found in events.values() if len(found) > 1)


if __name__ == "__main__":
    main()
