"""The control room's lists as plain rows (a header, then values) for CSV export and print.
CSV cells that a spreadsheet would run as a formula are defused here (citizens write the text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from beacon.insight.figures import ControlRoom

Rows = list[Sequence[Any]]
TABLES = ("hours", "channels", "categories", "beats", "shared", "waiting", "staff")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def control_room_table(figures: ControlRoom, name: str) -> Rows:
    demand, work = figures.demand, figures.workload
    if name == "hours":
        return [["hour_start_utc", "P1", "P2", "P3", "P4", "total"]] + [
            [h.start.isoformat(), *h.by_priority.values(), h.total] for h in demand.hours]
    if name == "channels":
        return [["channel", "contacts"], *demand.by_channel]
    if name == "categories":
        return [["category", "contacts"], *demand.by_category]
    if name == "beats":
        return [["beat", "name", "contacts", "monitored"]] + [
            [b.code, b.name, b.contacts, b.monitored] for b in demand.beats] + [["", "not placed", demand.not_placed, ""]]
    if name == "shared":
        return [["partner", "shared"], *demand.shared]
    if name == "waiting":
        return [["reference", "priority", "title", "first_contact_utc", "minutes_waiting"]] + [
            [c.reference, c.priority, c.title, c.since.isoformat(), c.minutes] for c in work.oldest_unacknowledged]
    if name == "staff":
        return [["name", "role", "open_cases", "on_shift_until_utc"]] + [
            [p.name, p.role, p.open_cases, p.until.isoformat()] for p in work.staff]
    raise KeyError(name)


def to_csv(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
    return buffer.getvalue()


def _safe_cell(value: Any) -> Any:
    """A leading quote stops Excel and LibreOffice treating '=HYPERLINK(…)' as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
