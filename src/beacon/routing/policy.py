"""The force-editable routing policy: ordered rules from YAML, the first that matches decides.

The shipped file (`routing/data/policy.yaml`) is a working default; a force points
`Settings.routing_policy_path` (BEACON_ROUTING_POLICY_PATH, read by `config.py` only) at its own
copy, which `bootstrap` loads and hands to the pipeline. A mistake fails at load, naming the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SHIPPED = Path(__file__).parent / "data" / "policy.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Strict):
    priority: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    needs_human: bool | None = None
    vulnerable: bool | None = None
    beat: frozenset[str] | None = None
    text: tuple[str, ...] = ()
    is_share: bool | None = None
    from_force: bool | None = None
    follows_open_case: bool | None = None

    @field_validator("text")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"text pattern {pattern!r}: {error}") from error
        return patterns


class Rule(_Strict):
    name: str
    when: When = Field(default_factory=When)
    outcome: Literal["close", "share", "monitor", "case"]
    reason: str
    to: str | None = None  # share: a key of `partners`
    need: str | None = None  # monitor: what it is counted as (default: its first category)

    @model_validator(mode="after")
    def _share_has_recipient(self) -> Rule:
        if self.outcome == "share" and not self.to:
            raise ValueError(f"rule {self.name!r}: a share needs `to`")
        return self


class PolicyFile(_Strict):
    partners: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule]

    @model_validator(mode="after")
    def _known_partners(self) -> PolicyFile:
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("rule names must be unique")
        for rule in self.rules:
            if rule.to and rule.to not in self.partners:
                raise ValueError(f"rule {rule.name!r}: unknown partner {rule.to!r}")
        if not self.rules or self.rules[-1].when != When():
            raise ValueError("the last rule must match everything (`when: {}`)")
        return self


@dataclass(frozen=True)
class Facts:
    """What a rule can look at, gathered by the routing stage."""

    priority: str
    categories: frozenset[str]
    needs_human: bool
    vulnerable: bool
    beat: str | None
    text: str
    is_share: bool
    from_force: bool
    follows_open_case: bool


@dataclass(frozen=True)
class Policy:
    partners: dict[str, str]
    rules: list[Rule]
    _compiled: dict[str, list[re.Pattern[str]]] = field(default_factory=dict, repr=False)

    def first_match(self, facts: Facts) -> Rule:
        for rule in self.rules:
            if self._matches(rule, facts):
                return rule
        raise AssertionError("unreachable: the last rule matches everything")

    def _matches(self, rule: Rule, facts: Facts) -> bool:
        when = rule.when
        flags = (
            (when.needs_human, facts.needs_human), (when.vulnerable, facts.vulnerable),
            (when.is_share, facts.is_share), (when.from_force, facts.from_force),
            (when.follows_open_case, facts.follows_open_case),
        )
        if any(wanted is not None and wanted != actual for wanted, actual in flags):
            return False
        if when.priority is not None and facts.priority not in when.priority:
            return False
        if when.categories is not None and not when.categories & facts.categories:
            return False
        if when.beat is not None and facts.beat not in when.beat:
            return False
        return all(p.search(facts.text) for p in self._compiled[rule.name])


def parse_policy(text: str) -> Policy:
    parsed = PolicyFile.model_validate(yaml.safe_load(text))
    compiled = {r.name: [re.compile(p, re.IGNORECASE) for p in r.when.text] for r in parsed.rules}
    return Policy(parsed.partners, parsed.rules, compiled)


@lru_cache(maxsize=4)
def load_policy(path: Path | None = None) -> Policy:
    """The policy at `path` (a force's own file), else the shipped one (cached)."""
    chosen = path or SHIPPED
    return parse_policy(chosen.read_text(encoding="utf-8"))
