"""The people settings (link bases, marker kinds, repeat-contact thresholds) from YAML.

The shipped file (`people/data/people.yaml`) is a working default; BEACON_PEOPLE_PATH points at a
force's own copy. A mistake fails at load, naming the field.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

SHIPPED = Path(__file__).parent / "data" / "people.yaml"
PATH_VARIABLE = "BEACON_PEOPLE_PATH"  # read here until config.Settings carries it


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
    chosen = path or Path(os.environ.get(PATH_VARIABLE) or SHIPPED)
    return PeopleSettings.model_validate(yaml.safe_load(chosen.read_text(encoding="utf-8")))
