"""Write a night to JSONL files, and where the shipped demo night lives.

The demo night (seed 7, default size and date) is committed beside this module so the demo can
replay it without generating; `test_shipped_demo_matches_the_generator` keeps it in step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from beacon.scenario.night_shift import generate_night_shift

DEMO_SEED = 7
DATA_DIR = Path(__file__).parent / "data"
DEMO_MESSAGES = DATA_DIR / f"night-shift-seed{DEMO_SEED}.jsonl"
DEMO_TRUTH = DATA_DIR / f"night-shift-seed{DEMO_SEED}.truth.jsonl"

Rows = list[dict[str, Any]]


def default_truth_path(out: Path) -> Path:
    """`night.jsonl` -> `night.truth.jsonl`; any other name just gains `.truth.jsonl`."""
    stem = out.name.removesuffix(".jsonl")
    return out.with_name(stem + ".truth.jsonl")


def write_night_shift(
    out: Path,
    truth: Path | None = None,
    *,
    seed: int = DEMO_SEED,
    messages: int | None = None,
    night: date | None = None,
) -> tuple[Rows, Rows]:
    """Generate a night and write messages and truth; raises OSError if a file cannot be written."""
    records, truths = generate_night_shift(seed, messages, night)
    write_jsonl(out, records)
    write_jsonl(truth or default_truth_path(out), truths)
    return records, truths


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Rows:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
