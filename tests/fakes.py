"""Stand-ins that keep pipeline tests independent of the real lexicon and model."""

from __future__ import annotations

from typing import Any

from beacon.triage.result import TriageResult

_RULES = (("knife", "P1", "violence"), ("stolen", "P3", "crime.theft"), ("smashed", "P3", "crime.criminal_damage"))


class KeywordTriage:
    """P1 for 'knife', P3 for 'stolen' or 'smashed', P4 otherwise; 'boom' raises an error."""

    def triage(self, text: str, *, language: str | None = None, place: Any = None) -> TriageResult:
        if "boom" in text:
            raise RuntimeError("triage exploded")
        for word, priority, category in _RULES:
            if word in text.lower():
                return _result(priority, [category], [{"kind": "lexicon", "detail": word}])
        return _result("P4", ["irrelevant"], [])


def _result(priority: str, categories: list[str], reasons: list[dict[str, Any]]) -> TriageResult:
    return TriageResult(
        priority=priority, urgency={"P1": 0.95, "P3": 0.4, "P4": 0.05}[priority],
        categories=categories, vulnerabilities=[], risk={}, place=None, language="en",
        needs_human=False, reasons=reasons, model_version="fake-1",
    )


# Scale tests run workers in other processes on the test's database: one audit chain, one key.
SHARED_AUDIT_KEY = "scale-tests-audit-key-0123456789"
