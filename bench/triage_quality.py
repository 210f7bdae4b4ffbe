"""Triage quality on TREC-IS (2018-train, 2019-A, 2019-B) with event-disjoint cross-validation.

    .venv/bin/python bench/triage_quality.py [--data ../shared/data/trec-is-dev/labels.csv] [--folds 5]

Each fold trains the text model on the other events only (folds never split an event: all splits
of one event, e.g. fireYMM2016A..E, stay together), then triages the held-out events with the full
engine. Figures (TREC-IS Critical->P1, High->P2, Medium->P3, Low->P4; per tweet the majority
assessor level, ties towards the more urgent):

* macro F1 over the four levels;
* catch rate: share of Critical and High tweets graded P1 or P2;
* alert precision: share of P1/P2 grades that are Critical or High;
* nDCG@100 per event split, ranked by urgency, gains Critical 4, High 3, Medium 2, Low 1, averaged.

Baselines measured in the same run: everything P4 (the majority class) and the lexicon alone.
Each fold's model uses the shipped model's recipe (character n-grams, and the P1/P2/P3 thresholds
stored in its metadata). Those thresholds were chosen on out-of-fold scores of all events, so the
figures here are slightly optimistic for them; the nested figures (thresholds chosen inside each
training fold only) are in `src/beacon/triage/data/MODEL_CARD.md`.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from beacon.triage import TriageEngine
from beacon.triage.combine import read_model
from beacon.triage.model import load_default_model
from beacon.triage.training import fit

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "trec-is-dev" / "labels.csv"
LEVEL = {"Critical": "P1", "High": "P2", "Medium": "P3", "Low": "P4"}
GAIN = {"P1": 4, "P2": 3, "P3": 2, "P4": 1}


def load(path: Path) -> tuple[list[str], list[str], list[str]]:
    """Texts, majority priority (ties to the more urgent) and event split, one row per tweet."""
    judgements: dict[str, list[str]] = defaultdict(list)
    text, event = {}, {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["priority"] in LEVEL:
                judgements[row["post_id"]].append(LEVEL[row["priority"]])
                text[row["post_id"]], event[row["post_id"]] = row["text"], row["event_id"]
    ids = list(judgements)
    return [text[i] for i in ids], [_majority(judgements[i]) for i in ids], [event[i] for i in ids]


def _majority(levels: list[str]) -> str:
    counts = Counter(levels)
    best = max(counts.values())
    return min(level for level, count in counts.items() if count == best)


def ndcg_at_100(events: list[str], urgency: list[float], truth: list[str]) -> float:
    by_event: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for event, score, level in zip(events, urgency, truth, strict=True):
        by_event[event].append((score, GAIN[level]))
    values = []
    for rows in by_event.values():
        ranked = [gain for _, gain in sorted(rows, key=lambda row: -row[0])][:100]
        ideal = sorted((gain for _, gain in rows), reverse=True)[:100]
        dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ranked))
        values.append(dcg / sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal)))
    return float(np.mean(values))


def figures(truth: list[str], predicted: list[str], urgency: list[float], events: list[str]) -> dict:
    alert = np.array([p in ("P1", "P2") for p in predicted])
    urgent = np.array([t in ("P1", "P2") for t in truth])
    return {
        "macro F1": f1_score(truth, predicted, average="macro", labels=["P1", "P2", "P3", "P4"]),
        "catch rate": (alert & urgent).sum() / max(urgent.sum(), 1),
        "alert precision": (alert & urgent).sum() / max(alert.sum(), 1),
        "alerts": int(alert.sum()),
        "nDCG@100": ndcg_at_100(events, urgency, truth),
    }


def operating_points(truth: list[str], expected: list[float],
                     thresholds: tuple[float, ...] = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6)) -> list[tuple]:
    """(threshold, catch rate, alert precision, alerts) when the model's expected score alone sets
    P2 at each threshold: the trade-off a force chooses its threshold from."""
    urgent = np.array([t in ("P1", "P2") for t in truth])
    score = np.array(expected)
    rows = []
    for threshold in thresholds:
        alert = score >= threshold
        hits = int((alert & urgent).sum())
        rows.append((threshold, hits / max(int(urgent.sum()), 1), hits / max(int(alert.sum()), 1),
                     int(alert.sum())))
    return rows


def evaluate(texts: list[str], truth: list[str], events: list[str], folds: int
             ) -> tuple[dict[str, dict], list[float]]:
    """The figures per run, and the model's out-of-fold expected score per tweet."""
    families = [re.sub(r"20\d\d[A-E]?$", "", event) for event in events]
    lexicon_only = TriageEngine.load(use_model=False)
    shipped = load_default_model()
    recipe = shipped.meta if shipped else {}
    options = {"char_ngrams": tuple(recipe["char_ngrams"]) if recipe.get("char_ngrams") else None,
               "meta": {"thresholds": recipe["thresholds"]} if recipe.get("thresholds") else None}
    print(f"recipe of the shipped model: {options}", file=sys.stderr)
    runs: dict[str, tuple[list, list]] = {name: ([""] * len(texts), [0.0] * len(texts))
                                          for name in ("full triage", "model alone", "lexicon alone")}
    for fold, (train, test) in enumerate(GroupKFold(n_splits=folds).split(texts, truth, families)):
        started = time.perf_counter()
        model = fit([texts[i] for i in train], [truth[i] for i in train], **options)
        engine = TriageEngine(lexicon_only.lexicon, lexicon_only.places, model)
        for i in test:
            _record(runs["full triage"], i, engine.triage(texts[i]))
            _record(runs["lexicon alone"], i, lexicon_only.triage(texts[i]))
            view = read_model(model, texts[i])
            runs["model alone"][0][i], runs["model alone"][1][i] = view.priority, view.expected
        print(f"fold {fold + 1}/{folds}: {len(test)} tweets from "
              f"{len({families[i] for i in test})} events, {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
    report = {"majority (all P4)": figures(truth, ["P4"] * len(texts), [0.0] * len(texts), events)}
    for name, (predicted, urgency) in runs.items():
        report[name] = figures(truth, predicted, urgency, events)
    return report, runs["model alone"][1]


def _record(run: tuple[list, list], i: int, result) -> None:
    run[0][i], run[1][i] = result.priority, result.urgency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"TREC-IS labels not found: {args.data} (pass --data)")
    started = time.perf_counter()
    texts, truth, events = load(args.data)
    print(f"{len(texts)} tweets, {len(set(events))} event splits; levels {dict(Counter(truth))}")
    report, expected = evaluate(texts, truth, events, args.folds)
    print(f"\n{'run':<20}{'macro F1':>10}{'catch':>8}{'alert prec':>12}{'alerts':>8}{'nDCG@100':>10}")
    for name, row in report.items():
        print(f"{name:<20}{row['macro F1']:>10.3f}{row['catch rate']:>8.3f}"
              f"{row['alert precision']:>12.3f}{row['alerts']:>8}{row['nDCG@100']:>10.3f}")
    base = report["majority (all P4)"]["nDCG@100"]
    print(f"\nfull triage vs majority baseline: nDCG@100 x{report['full triage']['nDCG@100'] / base:.2f}")
    print(f"\nmodel alone, P2 threshold on the expected score (base rate of Critical+High "
          f"{sum(t in ('P1', 'P2') for t in truth) / len(truth):.3f}):")
    print(f"{'threshold':>10}{'catch':>8}{'alert prec':>12}{'alerts':>8}")
    for threshold, catch, precision, alerts in operating_points(truth, expected):
        print(f"{threshold:>10.2f}{catch:>8.3f}{precision:>12.3f}{alerts:>8}")
    print(f"total {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
