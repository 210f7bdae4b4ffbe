"""Read messages from a JSONL or CSV file for replay, row by row, with clear errors per row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from beacon.messages import InboundMessage

# CSV has no nesting: these flat columns fill the nested fields.
_CSV_NESTED = {
    "author_id": ("author", "id"),
    "author_handle": ("author", "handle"),
    "author_name": ("author", "name"),
    "place_name": ("place", "name"),
    "place_postcode": ("place", "postcode"),
}


@dataclass(frozen=True)
class ReplayRow:
    line: int
    raw: str
    message: InboundMessage | None
    error: str | None


class ReplayFileError(ValueError):
    """The file as a whole cannot be replayed (missing, unknown format)."""


def read_replay_file(path: Path) -> Iterator[ReplayRow]:
    if not path.is_file():
        raise ReplayFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise ReplayFileError(f"{path}: expected a .jsonl or .csv file, not {suffix or 'no suffix'}")


def _read_jsonl(path: Path) -> Iterator[ReplayRow]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as error:
                yield ReplayRow(number, line, None, f"not JSON: {error}")
                continue
            yield _validated(number, line, data)


def _read_csv(path: Path) -> Iterator[ReplayRow]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            yield _validated(number, json.dumps(row), _nest(row))


def _nest(row: dict[str, Any]) -> dict[str, Any]:
    """Known columns fill the message; the whole row, other columns too, is kept as `raw`."""
    data: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value in (None, ""):
            continue
        if key in _CSV_NESTED:
            outer, inner = _CSV_NESTED[key]
            data.setdefault(outer, {})[inner] = value
        elif key in InboundMessage.model_fields and key != "raw":
            data[key] = value
    data.setdefault("raw", dict(row))
    return data


def _validated(number: int, raw: str, data: Any) -> ReplayRow:
    try:
        return ReplayRow(number, raw, InboundMessage.model_validate(data), None)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "row"
        return ReplayRow(number, raw, None, f"{field}: {first['msg']}")
