"""What the case page shows of a message's triage: the one reason that set the grade, and the
THRIVE breakdown, in words a handler reads at a glance (never a raw dictionary)."""

from __future__ import annotations

from typing import Any

THRIVE_LABELS = (("threat", "Threat"), ("harm", "Harm"), ("risk", "Risk"),
                 ("investigation", "Investigation"), ("vulnerability", "Vulnerability"),
                 ("engagement", "Engagement"))


def deciding_reason(triage: dict[str, Any] | None) -> str | None:
    """The `grade` reason's sentence; for messages triaged before grades were recorded, the last
    rule, then the model's reason; None when there is nothing to say."""
    reasons = [r for r in (triage or {}).get("reasons") or [] if isinstance(r, dict)]
    for kind in ("grade", "rule", "model"):
        found = [r for r in reasons if r.get("kind") == kind and isinstance(r.get("detail"), str)]
        if found:
            return found[-1]["detail"]
    return None


def thrive_rows(triage: dict[str, Any] | None) -> list[tuple[str, float]]:
    """(label, value in 0..1) for each THRIVE element present, in THRIVE order."""
    risk = (triage or {}).get("risk") or {}
    return [(label, float(risk[key])) for key, label in THRIVE_LABELS
            if isinstance(risk.get(key), int | float)]


def most_urgent_message(entries: list[tuple[Any, Any, Any]]) -> Any:
    """The inbound message of the timeline with the most urgent priority (the first of equals)."""
    messages = [message for _, message, _ in entries if message is not None and message.priority]
    return min(messages, key=lambda message: message.priority, default=None)
