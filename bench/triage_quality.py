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
from beacon.triage.training import fit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _police import police, trecis  # noqa: E402
from train_triage_model import train as train_shipped  # noqa: E402

TRECIS_WEIGHT = 0.25  # as scripts/train_triage_model.py
# The previous shipped model's recipe (trecis-dev-tfidf-char-lr-2), retrained per fold.
V2_RECIPE = {"char_ngrams": (2, 5), "meta": {"thresholds": {"P1": 0.60, "P2": 0.46, "P3": 0.40}}}

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "trec-is-dev" / "labels.csv"
GAIN = {"P1": 4, "P2": 3, "P3": 2, "P4": 1}


load = trecis  # texts, majority priority (ties to the more urgent), event split


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


def evaluate(texts: list[str], truth: list[str], events: list[str], folds: int, police_rows: list[dict]
             ) -> tuple[dict[str, dict], list[float]]:
    """TREC-IS event-disjoint CV: each fold's models are trained on the other events (with the
    police corpus's train split, as the shipped model is) and grade the held-out events."""
    families = [re.sub(r"20\d\d[A-E]?$", "", event) for event in events]
    lexicon_only = TriageEngine.load(use_model=False)
    runs: dict[str, tuple[list, list]] = {name: ([""] * len(texts), [0.0] * len(texts)) for name in
                                          ("full triage", "model alone", "lexicon alone",
                                           "previous (v2) full triage", "balanced TF-IDF LR")}
    police_texts = [row["text"] for row in police_rows]
    police_truth = [row["priority"] for row in police_rows]
    for fold, (train, test) in enumerate(GroupKFold(n_splits=folds).split(texts, truth, families)):
        started = time.perf_counter()
        trec = ([texts[i] for i in train], [truth[i] for i in train])
        model = train_shipped(None, TRECIS_WEIGHT, "cv", police_rows=police_rows, trec=trec)
        engine = TriageEngine(lexicon_only.lexicon, lexicon_only.places, model)
        v2 = TriageEngine(lexicon_only.lexicon, lexicon_only.places, fit(*trec, **V2_RECIPE))
        baseline = fit(police_texts + trec[0], police_truth + trec[1])
        for i in test:
            _record(runs["full triage"], i, engine.triage(texts[i]))
            _record(runs["lexicon alone"], i, lexicon_only.triage(texts[i]))
            _record(runs["previous (v2) full triage"], i, v2.triage(texts[i]))
            for name, alone in (("model alone", model), ("balanced TF-IDF LR", baseline)):
                view = read_model(alone, texts[i])
                runs[name][0][i], runs[name][1][i] = view.priority, view.ranking
        print(f"fold {fold + 1}/{folds}: {len(test)} tweets from "
              f"{len({families[i] for i in test})} events, {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
    report = {"majority (all P4)": figures(truth, ["P4"] * len(texts), [0.0] * len(texts), events)}
    for name, (predicted, urgency) in runs.items():
        report[name] = figures(truth, predicted, urgency, events)
    return report, runs["model alone"][1]


def _record(run: tuple[list, list], i: int, result) -> None:
    run[0][i], run[1][i] = result.priority, result.urgency


def police_figures(rows: list[dict], results: list) -> dict:
    """Safety figures on the police test split for one run's results (TriageResults or
    (priority, vulnerabilities) pairs)."""
    truth = [row["priority"] for row in rows]
    graded = [(r.priority, set(r.vulnerabilities)) if hasattr(r, "priority") else (r[0], set(r[1]))
              for r in results]
    urgent = [t in ("P1", "P2") for t in truth]
    alert = [g[0] in ("P1", "P2") for g in graded]
    hits = sum(u and a for u, a in zip(urgent, alert, strict=True))
    p1 = [i for i, t in enumerate(truth) if t == "P1"]
    wanted = [(i, kind) for i, row in enumerate(rows) for kind in row["vulnerabilities"]]
    banter = [i for i, row in enumerate(rows) if {"banter", "sarcasm"} & set(row["tags"])]
    return {
        "catch": hits / max(sum(urgent), 1),
        "alert prec": hits / max(sum(alert), 1),
        "P1 recall": sum(graded[i][0] == "P1" for i in p1) / max(len(p1), 1),
        "P1 at P3/P4": sum(graded[i][0] in ("P3", "P4") for i in p1),
        "P1s": len(p1),
        "vuln recall": (sum(kind in graded[i][1] for i, kind in wanted) / len(wanted)) if wanted else float("nan"),
        "banter alerts": f"{sum(alert[i] for i in banter)}/{len(banter)}",
    }


def police_kinds(rows: list[dict], results: list) -> dict[str, tuple[int, int]]:
    """Per vulnerability kind: (found, labelled)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, result in zip(rows, results, strict=True):
        for kind in row["vulnerabilities"]:
            counts[kind][0] += kind in result.vulnerabilities
            counts[kind][1] += 1
    return {kind: (hits, wanted) for kind, (hits, wanted) in counts.items()}


def police_report(train_rows: list[dict], test_rows: list[dict], trec: tuple[list[str], list[str]],
                  model_path: Path | None = None) -> None:
    """The police test split (written apart from the train split), side by side."""
    if not test_rows:
        print("police test split: no rows in corpus/police-contact/test")
        return
    lexicon_only = TriageEngine.load(use_model=False)
    shipped = TriageEngine.load(model_path=model_path)
    v2 = TriageEngine(lexicon_only.lexicon, lexicon_only.places, fit(*trec, **V2_RECIPE))
    texts = [row["text"] for row in train_rows] + trec[0]
    labels = [row["priority"] for row in train_rows] + trec[1]
    baseline = fit(texts, labels)
    test_texts = [row["text"] for row in test_rows]
    runs = {
        "full triage (shipped)": [shipped.triage(t) for t in test_texts],
        "lexicon alone": [lexicon_only.triage(t) for t in test_texts],
        "previous model (v2) + policy": [v2.triage(t) for t in test_texts],
        "balanced TF-IDF LR alone": [(read_model(baseline, t).priority, []) for t in test_texts],
        "meaning model alone": [(read_model(shipped.model, t).priority, []) for t in test_texts],
    }
    print(f"\npolice-contact test split: {len(test_rows)} messages, levels "
          f"{dict(sorted(Counter(r['priority'] for r in test_rows).items()))}; train split {len(train_rows)}")
    columns = ("catch", "alert prec", "P1 recall", "P1 at P3/P4", "P1s", "vuln recall", "banter alerts")
    print(f"{'run':<32}" + "".join(f"{c:>14}" for c in columns))
    for name, results in runs.items():
        row = police_figures(test_rows, results)
        print(f"{name:<32}" + "".join(f"{row[c]:>14.3f}" if isinstance(row[c], float) else f"{row[c]:>14}"
                                      for c in columns))
    print("\nfull triage, vulnerability recall by kind:")
    found = police_kinds(test_rows, runs["full triage (shipped)"])
    print("  " + ", ".join(f"{kind} {hits}/{wanted}" for kind, (hits, wanted) in sorted(found.items())))
    print("\nfull triage by language:")
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(test_rows):
        by_language[row["language"]].append(i)
    for language, index in sorted(by_language.items(), key=lambda item: -len(item[1])):
        row = police_figures([test_rows[i] for i in index], [runs["full triage (shipped)"][i] for i in index])
        print(f"  {language:<4} {len(index):>4} messages  catch {row['catch']:.3f}  alert prec "
              f"{row['alert prec']:.3f}  P1 at P3/P4 {row['P1 at P3/P4']}/{row['P1s']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--police-only", action="store_true", help="skip the TREC-IS cross-validation")
    parser.add_argument("--model", type=Path, default=None, help="a model file instead of the shipped one")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"TREC-IS labels not found: {args.data} (pass --data)")
    started = time.perf_counter()
    texts, truth, events = load(args.data)
    train_rows, test_rows = police("train"), police("test")
    police_report(train_rows, test_rows, (texts, truth), args.model)
    if args.police_only:
        return
    print(f"\nTREC-IS event-disjoint CV: {len(texts)} tweets, {len(set(events))} event splits; "
          f"levels {dict(Counter(truth))}")
    report, expected = evaluate(texts, truth, events, args.folds, train_rows)
    print(f"\n{'run':<28}{'macro F1':>10}{'catch':>8}{'alert prec':>12}{'alerts':>8}{'nDCG@100':>10}")
    for name, row in report.items():
        print(f"{name:<28}{row['macro F1']:>10.3f}{row['catch rate']:>8.3f}"
              f"{row['alert precision']:>12.3f}{row['alerts']:>8}{row['nDCG@100']:>10.3f}")
    print(f"\nfull triage / balanced TF-IDF LR, nDCG@100: "
          f"{report['full triage']['nDCG@100'] / report['balanced TF-IDF LR']['nDCG@100']:.3f}")
    print(f"\nmeaning model alone, P2 threshold on the expected score (base rate of Critical+High "
          f"{sum(t in ('P1', 'P2') for t in truth) / len(truth):.3f}):")
    print(f"{'threshold':>10}{'catch':>8}{'alert prec':>12}{'alerts':>8}")
    for threshold, catch, precision, alerts in operating_points(truth, expected):
        print(f"{threshold:>10.2f}{catch:>8.3f}{precision:>12.3f}{alerts:>8}")
    print(f"total {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
