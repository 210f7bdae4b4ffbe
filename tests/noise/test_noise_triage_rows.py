"""`beacon triage` rows get item and incident ids from the noise tracker (one per file)."""

from __future__ import annotations

from noise_builders import APPEAL, at

from beacon.cli.triage import assign_item_and_incident
from beacon.triage.batch import Row


def _row(number: int, row_id: str, text: str, **fields: object) -> Row:
    return Row(number=number, id=row_id, text=text, created_at=at(number), fields=dict(fields))


def test_rows_share_items_and_incidents_and_each_file_starts_afresh() -> None:
    rows = [
        _row(1, "1", APPEAL),
        _row(2, "2", "RT @surreypolice: " + APPEAL[:80], retweeted_status={"id_str": "1"}),
        _row(3, "3", "RT @surreypolice: " + APPEAL),
        _row(4, "4", "Fire at the old cinema on the high street"),
    ]
    assert [assign_item_and_incident(row) for row in rows] == [
        ("1", "1"), ("1", "1"), ("1", "1"), ("4", "4")]
    assert assign_item_and_incident(_row(1, "9", "RT @surreypolice: " + APPEAL)) == ("9", "9")


def test_row_without_usable_time_is_still_assigned() -> None:
    row = Row(number=1, id="abc", text=APPEAL, created_at=None, fields={})
    assert assign_item_and_incident(row) == ("abc", "abc")
