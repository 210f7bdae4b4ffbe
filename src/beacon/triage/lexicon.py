"""The force-editable lexicon: loaded from YAML, validated, compiled into a phrase index.

See `data/lexicon.yaml` for the file format. Matching is token-based (one dictionary lookup per
token, plus a few prefix lookups for `word*` terms) so it stays fast with thousands of phrases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from beacon.triage.result import PRIORITIES
from beacon.triage.text import tokenise

DEFAULT_LEXICON = Path(__file__).parent / "data" / "lexicon.yaml"
CANDIDATE_CACHE_SIZE = 50_000
MODIFIER_LISTS = ("negators", "reporting_cues", "banter", "intensifiers", "in_progress", "past")


class LexiconError(ValueError):
    """The lexicon (or beats) file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class Term:
    phrase: str
    tokens: tuple[str, ...]
    weight: float
    group: str  # "category", "vulnerability", "deescalator", "alarm" or a modifier list name
    name: str  # category slug, vulnerability slug, or the group again
    priority: str | None = None


@dataclass(frozen=True)
class Category:
    slug: str
    label: str
    priority: str
    priority_in_progress: str | None
    priority_if_past: str | None


@dataclass
class PhraseIndex:
    """Terms indexed by their first token: exact words in `exact`, `stem*` words in `prefix`."""

    exact: dict[str, list[Term]] = field(default_factory=lambda: defaultdict(list))
    prefix: dict[str, list[Term]] = field(default_factory=lambda: defaultdict(list))
    prefix_lengths: set[int] = field(default_factory=set)
    # token -> its candidates: words repeat a lot (Zipf), and the prefix lookups cost more than
    # the dictionary hit. Bounded so a stream of unique tokens cannot grow it without limit.
    _cache: dict[str, tuple[Term, ...]] = field(default_factory=dict, repr=False, compare=False)

    def add(self, term: Term) -> None:
        self._cache.clear()
        first = term.tokens[0]
        if first.endswith("*") and len(first) > 1:
            self.prefix[first[:-1]].append(term)
            self.prefix_lengths.add(len(first) - 1)
        else:
            self.exact[first].append(term)

    def candidates(self, token: str) -> tuple[Term, ...]:
        found = self._cache.get(token)
        if found is None:
            if len(self._cache) >= CANDIDATE_CACHE_SIZE:
                self._cache.clear()
            found = self._cache[token] = tuple(self._lookup(token))
        return found

    def _lookup(self, token: str) -> list[Term]:
        found = self.exact.get(token, [])
        if not self.prefix_lengths:
            return found
        found = list(found)
        for length in self.prefix_lengths:
            if len(token) >= length and token[:length] in self.prefix:
                found.extend(self.prefix[token[:length]])
        return found


@dataclass(frozen=True)
class Lexicon:
    version: str
    languages: tuple[str, ...]
    settings: dict[str, float]
    categories: dict[str, Category]
    index: PhraseIndex
    term_count: int
    # Harm terms per language the lexicon does not cover ("cy", "pl"): matched only when a
    # message is in such a language, so that "most" (Polish: bridge) does not fire on English.
    other_languages: dict[str, PhraseIndex] = field(default_factory=dict)


_DEFAULT_SETTINGS = {
    "category_threshold": 0.5,
    "weak_threshold": 0.3,
    "negation_window": 3,
    "reported_speech_factor": 0.5,
    "banter_factor": 0.6,
    "intensifier_boost": 0.1,
}


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Read and compile a lexicon YAML; `None` gives the shipped default."""
    source = Path(path) if path is not None else DEFAULT_LEXICON
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise LexiconError(f"cannot read lexicon {source}: {error}") from error
    except yaml.YAMLError as error:
        raise LexiconError(f"lexicon {source} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise LexiconError(f"lexicon {source} must be a mapping at the top level")
    return compile_lexicon(data, str(source))


def compile_lexicon(data: dict[str, Any], source: str = "<lexicon>") -> Lexicon:
    settings = {**_DEFAULT_SETTINGS, **_mapping(data.get("settings", {}), f"{source}: settings")}
    index = PhraseIndex()
    categories: dict[str, Category] = {}
    count = 0
    for slug, spec in _mapping(data.get("categories"), f"{source}: categories").items():
        where = f"{source}: categories.{slug}"
        spec = _mapping(spec, where)
        categories[slug] = Category(
            slug=slug,
            label=str(spec.get("label", slug)),
            priority=_priority(spec.get("priority", "P3"), where),
            priority_in_progress=_optional_priority(spec.get("priority_in_progress"), where),
            priority_if_past=_optional_priority(spec.get("priority_if_past"), where),
        )
        count += _add_terms(index, spec.get("terms"), "category", slug, where)
    vulnerabilities = _mapping(data.get("vulnerabilities", {}), f"{source}: vulnerabilities")
    for slug, spec in vulnerabilities.items():
        where = f"{source}: vulnerabilities.{slug}"
        count += _add_terms(index, _mapping(spec, where).get("terms"), "vulnerability", slug, where)
    modifiers = _mapping(data.get("modifiers", {}), f"{source}: modifiers")
    count += _add_terms(index, modifiers.get("deescalators", {}), "deescalator", "deescalator",
                        f"{source}: modifiers.deescalators")
    for name in MODIFIER_LISTS:
        count += _add_terms(index, modifiers.get(name, []), name, name, f"{source}: modifiers.{name}")
    count += _add_terms(index, data.get("alarm_any_language", []), "alarm", "alarm",
                        f"{source}: alarm_any_language")
    languages = tuple(str(code) for code in data.get("languages", ["en"]))
    other = _other_languages(data.get("harm_other_languages", {}), data.get("vulnerabilities_other_languages", {}),
                             categories, set(vulnerabilities), source)
    return Lexicon(str(data.get("version", "unversioned")), languages, settings, categories,
                   index, count, other)


def _other_languages(harm: Any, vulnerable: Any, categories: dict[str, Category], vulnerabilities: set[str],
                     source: str) -> dict[str, PhraseIndex]:
    """One phrase index per language, from its harm terms and its who-is-at-risk terms."""
    indexes: dict[str, PhraseIndex] = {}
    for section, spec in (("harm_other_languages", harm), ("vulnerabilities_other_languages", vulnerable)):
        where = f"{source}: {section}"
        for code, groups in _mapping(spec, where).items():
            index = indexes.setdefault(str(code), PhraseIndex())
            for group, terms in _mapping(groups, f"{where}.{code}").items():
                if group in MODIFIER_LISTS:
                    _add_terms(index, terms, group, group, f"{where}.{code}.{group}")
                elif group in categories:
                    _add_terms(index, terms, "category", group, f"{where}.{code}.{group}")
                elif group in vulnerabilities:
                    _add_terms(index, terms, "vulnerability", group, f"{where}.{code}.{group}")
                else:
                    raise LexiconError(f"{where}.{code}: {group!r} is neither a category, a vulnerability"
                                       " nor a modifier list")
    return indexes


def _add_terms(index: PhraseIndex, spec: Any, group: str, name: str, where: str) -> int:
    if spec is None or not isinstance(spec, dict | list):
        raise LexiconError(f"{where}: needs a list or mapping of terms")
    items = spec.items() if isinstance(spec, dict) else ((phrase, 1.0) for phrase in spec)
    count = 0
    for phrase, value in items:
        weight, priority = _term_value(value, f"{where}.{phrase}")
        words = _phrase_tokens(str(phrase))
        if not words:
            raise LexiconError(f"{where}: the phrase {phrase!r} has no words")
        index.add(Term(str(phrase), words, weight, group, name, priority))
        count += 1
    return count


def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    """Tokens of a phrase, keeping a trailing `*` on its word ("shoplift*") as a prefix marker."""
    words: list[str] = []
    for token in tokenise(phrase):
        if token == "*" and words:
            words[-1] += "*"
        else:
            words.append(token)
    return tuple(words)


def _term_value(value: Any, where: str) -> tuple[float, str | None]:
    if isinstance(value, dict):
        priority = _optional_priority(value.get("priority"), where)
        value = value.get("weight", 1.0)
    else:
        priority = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise LexiconError(f"{where}: weight must be a number in (0, 1], not {value!r}")
    return float(value), priority


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LexiconError(f"{where}: must be a mapping")
    return value


def _priority(value: Any, where: str) -> str:
    if value not in PRIORITIES:
        raise LexiconError(f"{where}: priority must be one of {', '.join(PRIORITIES)}, not {value!r}")
    return str(value)


def _optional_priority(value: Any, where: str) -> str | None:
    return None if value is None else _priority(value, where)
