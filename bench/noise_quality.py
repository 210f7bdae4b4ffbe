"""Noise quality on the developer data: share collapse and incident clustering, against baselines.

TREC-IS developer tweets carry `retweeted_status_id`, so "same underlying post" is known: the
root of a tweet is the tweet it retweets, else itself. Items must hold copies and shares only:
item pair precision counts a pair in one item as right when the two share a root, are copies
(the same words in the same order once share prefixes, links, entities, case, punctuation and
emoji are gone: defined here, not by Beacon's normaliser) or one is a cut copy of the other (it
ends in "…" and its first 8+ sure words begin the other); the strict column only forgives the
differences the data's overlap check removes (entities, "RT @user:", links, case, spaces).
Retweet recall: per retweet with an earlier tweet of its root, it joined an item holding it;
"cut" is that recall over retweets whose text is cut short. With the references given (as the
live system gets them from the X API) and from text alone (as the batch command gets CSV rows),
against exact raw-text matching.
Incident clustering is scored by pairwise precision against the event label (a pair in one
incident from two different events is wrong). TREC-IS events are years apart, so a second run
shifts every event to start at the same moment: content and place alone must keep them apart.
CrisisLexT26 has no retweet ids; it gives the collapse rate and the same event-based precision.

    .venv/bin/python bench/noise_quality.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import unicodedata
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations
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


def share_scores(tweets: list[Tweet], items: dict[str, str]) -> tuple[float, float, float]:
    """Per-retweet precision and recall of share collapse against retweet references.

    A retweet is collapsed correctly when it joins an item holding an earlier tweet with the same
    root. Recall: of retweets with such an earlier tweet, the share collapsed onto it (also given
    for cut retweets alone). Precision: of retweets collapsed onto an earlier item, the share
    where that item holds their root.
    """
    roots_in_item: dict[str, set[str]] = {}
    seen_roots: set[str] = set()
    collapsed = correct = findable = found = cut_findable = cut_found = 0
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
                if _copy_words(tweet.text)[1]:
                    cut_findable += 1
                    cut_found += tweet.root in held
        held.add(tweet.root)
        seen_roots.add(tweet.root)
    return (correct / collapsed if collapsed else 1.0), (found / findable if findable else 1.0), (
        cut_found / cut_findable if cut_findable else 1.0)


@cache
def _copy_words(text: str) -> tuple[str, bool]:
    """The words of a post for judging copies, and whether it is cut short ("…" before links)."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = re.sub(r"\b[RM]T\s*@\w+:?", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"(?:\s*(?:https?://|www\.)\S*)+\s*$", "", text)
    cut = text.endswith(("…", "..."))
    text = re.sub(r"(?:https?://|www\.)\S*", " ", text)
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split()), cut


@cache
def _strict_text(text: str) -> str:
    """The data's overlap-check normalisation: entities, every "RT @user:", links, case, spaces."""
    text = re.sub(r"RT @\w+:?", " ", html.unescape(text))
    return " ".join(re.sub(r"https?://\S+", " ", text).lower().split())


def _cut_copy(short: str, long: str) -> bool:
    words, cut = _copy_words(short)
    sure = words.rsplit(" ", 1)[0]
    return cut and sure.count(" ") >= 7 and (_copy_words(long)[0] + " ").startswith(sure + " ")


def _same_post(a: Tweet, b: Tweet) -> bool:
    return (a.root == b.root or _copy_words(a.text)[0] == _copy_words(b.text)[0]
            or _cut_copy(a.text, b.text) or _cut_copy(b.text, a.text))


def item_precision(tweets: list[Tweet], items: dict[str, str]) -> tuple[float, float]:
    """Pairs in one item that are shares or copies of one post; (copies, strict) as above."""
    members: dict[str, list[Tweet]] = {}
    for tweet in tweets:
        members.setdefault(items[tweet.post_id], []).append(tweet)
    claimed = right = strict = 0
    for group in members.values():
        for a, b in combinations(group, 2):
            claimed += 1
            if _same_post(a, b):
                right += 1
                strict += a.root == b.root or _strict_text(a.text) == _strict_text(b.text)
    return (right / claimed if claimed else 1.0), (strict / claimed if claimed else 1.0)


def report_shares(name: str, tweets: list[Tweet], runs: dict[str, Callable[[], dict[str, str]]]) -> None:
    truth = {t.post_id: t.root for t in tweets}
    print(f"\n## Share collapse on {name}: {len(tweets):,} tweets, "
          f"{sum(1 for t in tweets if t.retweet_of):,} retweets by reference, "
          f"{pairs(Counter(truth.values()).values()):,} same-post pairs")
    print("item P: pairs in one item that are shares or copies (strict: the data's normalisation).")
    print("retweet R: per retweet, joined an item holding its root (cut: retweets cut short).")
    print("share P: per collapsed retweet, its item holds its root. pair R: same-root pairs in one item.")
    print(f"{'method':<42} {'item P':>6} {'strict':>6} {'RT R':>6} {'cut R':>6} {'share P':>7} "
          f"{'pair R':>6} {'items':>7}")
    for label, grouping in runs.items():
        items = grouping()
        share_p, share_r, cut_r = share_scores(tweets, items)
        item_p, strict_p = item_precision(tweets, items)
        _, recall = pairwise(items, truth)
        print(f"{label:<42} {item_p:>6.3f} {strict_p:>6.3f} {share_r:>6.3f} {cut_r:>6.3f} "
              f"{share_p:>7.3f} {recall:>6.3f} {len(set(items.values())):>7,}")


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
        "tracker, text alone (batch CSV)": lambda: track(trec, default, False).items,
    }
    report_shares("TREC-IS developer tweets", trec, runs)

    report_incidents("TREC-IS, real times", trec, [default.cluster_threshold])
    report_incidents("TREC-IS, every event moved to one start time", same_start(trec),
                     [0.2, 0.3, 0.4, 0.5, 0.6])
    report_incidents("CrisisLexT26 (times from tweet ids)", lex, [0.4, 0.5, 0.6])

    lex_run = track(lex, default, with_refs=False)
    lex_exact = exact_text(lex)
    item_p, strict_p = item_precision(lex, lex_run.items)
    print(f"\n## Collapse rate on CrisisLexT26 ({len(lex):,} tweets, no retweet ids)")
    print(f"baseline exact raw text: {len(set(lex_exact.values())):,} items; tracker (text only): "
          f"{len(set(lex_run.items.values())):,} items, item P {item_p:.3f} (strict {strict_p:.3f}); "
          f"items spanning two events: {_cross_event_items(lex, lex_run.items)}")

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
