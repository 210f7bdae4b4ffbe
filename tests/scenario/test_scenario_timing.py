"""The demo's night can be moved to end now, keeping its rhythm."""

from __future__ import annotations

from datetime import UTC, datetime

from beacon.scenario import generate_night_shift
from beacon.scenario.timing import ending_at


def test_a_night_moved_to_end_now_keeps_its_gaps() -> None:
    messages, _ = generate_night_shift(7, messages=80)
    end = datetime(2026, 11, 29, 6, 55, tzinfo=UTC)
    moved = ending_at(messages, end)
    before = [datetime.fromisoformat(m["created_at"]) for m in messages]
    after = [datetime.fromisoformat(m["created_at"]) for m in moved]
    assert max(after) == end
    assert [b - before[0] for b in before] == [a - after[0] for a in after]
    assert [m["provider_message_id"] for m in moved] == [m["provider_message_id"] for m in messages]
    lags = {datetime.fromisoformat(m["received_at"]) - datetime.fromisoformat(m["created_at"]) for m in moved}
    assert lags == {datetime.fromisoformat(m["received_at"]) - datetime.fromisoformat(m["created_at"]) for m in messages}
