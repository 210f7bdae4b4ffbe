"""The force's case-work configuration, read from YAML into typed, validated objects.

The shipped file (`cases/data/casework.yaml`) is a working default; a force points
BEACON_CASEWORK_PATH at its own copy. A mistake in the file fails at start, naming the field.
"""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SHIPPED = Path(__file__).parent / "data" / "casework.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Milestone = Literal["acknowledge", "first_reply"]
ChainRole = Literal["handler", "supervisor", "inspector"]
AlertChannel = Literal["push", "sms", "email", "webhook"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Calendar(_Strict):
    """Opening hours per weekday and closed days; no hours at all means open 24/7."""

    timezone: str = "Europe/London"
    hours: dict[str, tuple[time, time]] = Field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @field_validator("hours")
    @classmethod
    def _known_days(cls, hours: dict[str, tuple[time, time]]) -> dict[str, tuple[time, time]]:
        for day, (start, end) in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            if end <= start:
                raise ValueError(f"{day}: closing time must be after opening time")
        return hours

    @property
    def always_open(self) -> bool:
        return not self.hours


class QueueSettings(_Strict):
    skill: str
    calendar: str = "always"
    auto_assign: bool = True


class ChainLevel(_Strict):
    role: ChainRole
    after_minutes: int = Field(ge=0)
    channels: tuple[AlertChannel, ...]


class Escalation(_Strict):
    alert_on: tuple[str, ...] = ("P1", "breach")
    repeat_minutes: int = Field(default=10, gt=0)
    chain: tuple[ChainLevel, ...]


class ShiftPattern(_Strict):
    start: time
    end: time  # an end before the start runs past midnight


class HandoverSettings(_Strict):
    near_breach_minutes: int = 60


class Shifts(_Strict):
    timezone: str = "Europe/London"
    patterns: dict[str, ShiftPattern]
    handover: HandoverSettings = HandoverSettings()


class CaseworkSettings(_Strict):
    calendars: dict[str, Calendar]
    queues: dict[str, QueueSettings]
    sla: dict[str, dict[Milestone, int]]
    warn_at_fraction: float = Field(default=0.75, gt=0, lt=1)
    escalation: Escalation
    shifts: Shifts

    @model_validator(mode="after")
    def _references_resolve(self) -> CaseworkSettings:
        for name, queue in self.queues.items():
            if queue.calendar not in self.calendars:
                raise ValueError(f"queue {name!r} uses unknown calendar {queue.calendar!r}")
        for priority in self.sla:
            if priority not in ("P1", "P2", "P3", "P4"):
                raise ValueError(f"sla: unknown priority {priority!r}")
        return self

    def calendar_for_queue(self, queue: str | None) -> Calendar:
        settings = self.queues.get(queue or "")
        return self.calendars[settings.calendar] if settings else Calendar()

    def milestones_for(self, priority: str) -> dict[Milestone, int]:
        return dict(self.sla.get(priority, {}))


class CaseworkConfigError(ValueError):
    """The case-work file cannot be read or is not valid."""


def load_casework(path: Path | None = None) -> CaseworkSettings:
    source = path or SHIPPED
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
        return CaseworkSettings.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise CaseworkConfigError(f"{source}: {error}") from error


@lru_cache(maxsize=1)
def shipped_casework() -> CaseworkSettings:
    return load_casework(SHIPPED)


@lru_cache(maxsize=4)
def casework_for(path: Path | None) -> CaseworkSettings:
    """The settings in force: BEACON_CASEWORK_PATH's file, else the shipped one. Read once."""
    return load_casework(path) if path else shipped_casework()
