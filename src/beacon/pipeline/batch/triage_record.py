"""What the pipeline stores of a triage result, and each distinct message triaged once a batch.

`TriageResult.to_dict` copies every nested list and dict through `dataclasses.asdict`, which
cost more than a third of a message's triage; the stored record is only serialised, so it can
share the result's values. tests/test_batch_pipeline.py checks the two stay equal.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from beacon.messages import Place
from beacon.pipeline.stages import Triager
from beacon.triage.result import TriageResult

_FIELDS = tuple(field.name for field in fields(TriageResult))


def triage_record(result: TriageResult) -> dict[str, Any]:
    """Equal to `result.to_dict()` (floats rounded alike), without copying nested values."""
    data = {name: getattr(result, name) for name in _FIELDS}
    data["urgency"] = round(result.urgency, 4)
    data["risk"] = {key: round(value, 3) for key, value in result.risk.items()}
    return data


class BatchTriage:
    """Triage the batch's messages, a repeated one (a retweet storm's copies) once per batch."""

    def __init__(self, triager: Triager) -> None:
        self._triager = triager
        self._done: dict[tuple[str, str | None, str | None], tuple[TriageResult, dict[str, Any]]] = {}

    def triage(self, text: str, language: str | None,
               place_value: dict[str, Any] | None) -> tuple[TriageResult, dict[str, Any]]:
        place = Place.model_validate(place_value) if place_value else None
        key = (text, language, place.model_dump_json() if place is not None else None)
        found = self._done.get(key)
        if found is None:
            result = self._triager.triage(text, language=language, place=place)
            found = self._done[key] = (result, triage_record(result))
        return found
