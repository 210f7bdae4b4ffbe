"""The people settings (link bases, marker kinds, repeat-contact thresholds) from YAML.

The shipped file (`people/data/people.yaml`) is a working default; `Settings.people_path`
(BEACON_PEOPLE_PATH, read by `config.py` only) points at a force's own copy, handed down by
`bootstrap`. A mistake fails at load, naming the field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

SHIPPED = Path(__file__).parent / "data" / "people.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RepeatRule(_Strict):
    name: str
    contacts: int = Field(ge=2)
    days: float = Field(gt=0)
    channels: int = Field(ge=1)


class PeopleSettings(_Strict):
    link_bases: dict[str, str]
    marker_kinds: dict[str, str]
    repeat_contact: list[RepeatRule] = Field(default_factory=list)


@lru_cache(maxsize=4)
def load_people_settings(path: Path | None = None) -> PeopleSettings:
    """The settings at `path` (a force's own file), else the shipped ones (cached)."""
    chosen = path or SHIPPED
    return PeopleSettings.model_validate(yaml.safe_load(chosen.read_text(encoding="utf-8")))
