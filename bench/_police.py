"""The team-written police-contact corpus (`corpus/police-contact/`, see its DATASHEET.md) and
the TREC-IS developer data, loaded the same way for training the shipped model and for
`bench/triage_quality.py`."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "police-contact"
TRECIS = ROOT.parent / "shared" / "data" / "trec-is-dev" / "labels.csv"
TREC_LEVEL = {"Critical": "P1", "High": "P2", "Medium": "P3", "Low": "P4"}


def police(split: str) -> list[dict]:
    """Every row of the split's JSONL files, in file order (`train` or `test`)."""
    rows = []
    for path in sorted((CORPUS / split).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def trecis(path: Path = TRECIS) -> tuple[list[str], list[str], list[str]]:
    """Texts, majority priority (ties to the more urgent) and event split, one row per tweet."""
    judgements: dict[str, list[str]] = defaultdict(list)
    text, event = {}, {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["priority"] in TREC_LEVEL:
                judgements[row["post_id"]].append(TREC_LEVEL[row["priority"]])
                text[row["post_id"]], event[row["post_id"]] = row["text"], row["event_id"]
    ids = list(judgements)
    return [text[i] for i in ids], [_majority(judgements[i]) for i in ids], [event[i] for i in ids]


def _majority(levels: list[str]) -> str:
    counts = Counter(levels)
    best = max(counts.values())
    return min(level for level, count in counts.items() if count == best)
