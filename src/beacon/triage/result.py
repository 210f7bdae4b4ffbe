"""The triage result: what the engine decided about one message, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")
THRIVE_KEYS: tuple[str, ...] = (
    "threat",
    "harm",
    "risk",
    "investigation",
    "vulnerability",
    "engagement",
)


def more_urgent(a: str, b: str) -> str:
    """The more urgent of two priorities ("P1" beats "P2")."""
    return a if PRIORITIES.index(a) <= PRIORITIES.index(b) else b


def less_urgent(a: str, b: str) -> str:
    return a if PRIORITIES.index(a) >= PRIORITIES.index(b) else b


def shift(priority: str, steps: int) -> str:
    """Move a priority by `steps` levels (negative = more urgent), clamped to P1..P4."""
    index = min(max(PRIORITIES.index(priority) + steps, 0), len(PRIORITIES) - 1)
    return PRIORITIES[index]


@dataclass(frozen=True)
class TriageResult:
    priority: str
    urgency: float
    categories: list[str]
    vulnerabilities: list[str]
    risk: dict[str, float]
    place: dict[str, Any] | None
    language: str | None
    needs_human: bool
    reasons: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""
    label: str | None = None  # the text model's own label (a force's model may not predict priority)
    label_scores: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}, not {self.priority!r}")
        if not 0.0 <= self.urgency <= 1.0:
            raise ValueError(f"urgency must be within [0, 1], not {self.urgency}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (lists and dicts are copied, floats rounded for readability)."""
        data = asdict(self)
        data["urgency"] = round(self.urgency, 4)
        data["risk"] = {key: round(value, 3) for key, value in self.risk.items()}
        return data
