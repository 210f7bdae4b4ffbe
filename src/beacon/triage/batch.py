"""Reading rows for batch triage: CSV, JSONL or JSON by extension, in file order.

`.csv` and `.jsonl`/`.ndjson` are streamed; `.json` holds one JSON array of objects (read whole),
or, as some exports name their JSONL, one object per line.

Field names default to common spellings (a tweet's `full_text`, `id_str`, TREC-IS's `post_id`)
when the caller does not name them; a field the caller names must exist.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TEXT_FIELDS = ("text", "full_text", "message", "tweet_text", "content", "body")
ID_FIELDS = ("id", "id_str", "post_id", "postID", "tweet_id", "message_id")
TIME_FIELDS = ("created_at", "timestamp", "time", "date")
_TIME_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S%z", "%d/%m/%Y %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class BatchInputError(ValueError):
    """The input file cannot be read as asked; the message says why."""


@dataclass(frozen=True)
class Row:
    number: int  # 1-based position in the file
    id: str
    text: str
    created_at: datetime | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class FieldNames:
    text: str | None = None
    id: str | None = None
    time: str | None = None


def read_rows(path: Path, names: FieldNames) -> Iterator[Row]:
    """Rows in file order; raises BatchInputError for a missing file, format or named field."""
    if not path.is_file():
        raise BatchInputError(f"input file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = _csv_records(path)
    elif suffix in (".jsonl", ".ndjson"):
        records = _jsonl_records(path)
    elif suffix == ".json":
        records = _json_records(path)
    else:
        raise BatchInputError(f"input must be .csv, .jsonl, .ndjson or .json (an array of objects),"
                              f" not {suffix or 'no extension'}: {path}")
    resolved: dict[str, str | None] | None = None
    for number, record in enumerate(records, start=1):
        if resolved is None:
            resolved = _resolve(record, names, path)
        yield _row(number, record, resolved)


def _resolve(first: dict[str, Any], names: FieldNames, path: Path) -> dict[str, str | None]:
    resolved = {}
    for role, given, defaults in (("text", names.text, TEXT_FIELDS), ("id", names.id, ID_FIELDS),
                                  ("time", names.time, TIME_FIELDS)):
        if given is not None and _get(first, given) is None and given not in first:
            raise BatchInputError(f"{path}: no field {given!r} for the {role} (fields: "
                                  f"{', '.join(map(str, first))})")
        resolved[role] = given or next((name for name in defaults if name in first), None)
    if resolved["text"] is None:
        raise BatchInputError(f"{path}: no text field; name it with --text-field (fields: "
                              f"{', '.join(map(str, first))})")
    return resolved


def _row(number: int, record: dict[str, Any], names: dict[str, str | None]) -> Row:
    text = _get(record, names["text"]) if names["text"] else None
    row_id = _get(record, names["id"]) if names["id"] else None
    when = _get(record, names["time"]) if names["time"] else None
    return Row(number, str(row_id) if row_id not in (None, "") else str(number),
               "" if text is None else str(text), parse_time(when), record)


def _get(record: dict[str, Any], name: str) -> Any:
    """A field by name, or by dotted path into nested JSON ("user.screen_name")."""
    if name in record:
        return record[name]
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def parse_time(value: Any) -> datetime | None:
    """ISO 8601, Twitter's `Wed Sep 05 15:59:34 +0000 2012`, epoch seconds or ms; else None."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = float(value)
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
    text = str(value).strip()
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return _utc(datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _csv_records(path: Path) -> Iterator[dict[str, Any]]:
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            return
        yield from reader


def _jsonl_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise BatchInputError(f"{path}:{line_number}: not valid JSON: {error}") from error
            if not isinstance(record, dict):
                raise BatchInputError(f"{path}:{line_number}: each line must be a JSON object")
            yield record


def _json_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        head = handle.read(4096).lstrip()
    if not head.startswith("["):
        yield from _jsonl_records(path)  # a .json file that is really JSON Lines
        return
    try:
        records = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise BatchInputError(f"{path}: not valid JSON: {error}") from error
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise BatchInputError(f"{path}: item {number} of the array is not a JSON object")
        yield record
