"""Match a message against the lexicon: phrases found, negated, reported, intensified, scored.

The result is evidence only; `policy.py` turns evidence into a priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beacon.triage.lexicon import Lexicon, PhraseIndex, Term
from beacon.triage.text import normalise, tokens

_CLAUSE_BREAKS = frozenset({".", ",", ";", ":", "!", "?", "but", "\n"})
_SENTENCE_BREAKS = frozenset({".", "!", "?", "\n"})
_QUOTES = frozenset({'"', "\u201c", "\u201d"})
_EVIDENCE_GROUPS = frozenset({"category", "vulnerability", "deescalator"})
# A phrase about the writer ("kill me") is their own situation even after "he said".
_FIRST_PERSON = frozenset({"me", "my", "us", "myself", "our", "i", "im"})


@dataclass(frozen=True)
class Match:
    term: Term
    start: int
    end: int
    weight: float  # after negation, reported speech, banter and intensifiers
    negated: bool
    reported: bool

    def reason(self) -> dict[str, Any]:
        return {
            "kind": "lexicon",
            "detail": f"{self.term.group} {self.term.name}: '{self.term.phrase}'"
            + (" (negated)" if self.negated else "")
            + (" (reported speech)" if self.reported else ""),
            "term": self.term.phrase,
            "group": self.term.group,
            "name": self.term.name,
            "weight": round(self.weight, 3),
        }


@dataclass
class LexiconEvidence:
    categories: dict[str, float] = field(default_factory=dict)
    term_priorities: dict[str, str] = field(default_factory=dict)
    vulnerabilities: dict[str, float] = field(default_factory=dict)
    deescalation: float = 0.0
    in_progress: bool = False
    past: bool = False
    banter: bool = False
    intensifiers: int = 0
    alarms: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    token_count: int = 0


def find_terms(index: PhraseIndex, words: list[str]) -> list[tuple[Term, int, int]]:
    """Every (term, start, end) whose tokens occur at some position; overlaps are all kept."""
    found = []
    count = len(words)
    for start, word in enumerate(words):
        for term in index.candidates(word):
            # a candidate's first token already matches this word (that is how it was found)
            end = start + len(term.tokens)
            if end == start + 1 or (end <= count and _matches_at(term.tokens, words, start)):
                found.append((term, start, end))
    return found


def _matches_at(pattern: tuple[str, ...], words: list[str], start: int) -> bool:
    """Whether the pattern's tokens after the first match the words after `start`."""
    for offset in range(1, len(pattern)):
        expected, word = pattern[offset], words[start + offset]
        if expected.endswith("*") and len(expected) > 1:
            if not word.startswith(expected[:-1]):
                return False
        elif word != expected:
            return False
    return True


def analyse(lexicon: Lexicon, text: str) -> LexiconEvidence:
    return analyse_words(lexicon, tokens(normalise(text)))


def analyse_words(lexicon: Lexicon, words: list[str]) -> LexiconEvidence:
    """`analyse` of the tokens of normalised text (triage tokenises once for lexicon and places)."""
    raw = find_terms(lexicon.index, words)
    evidence = LexiconEvidence(token_count=len(words))
    modifiers = {term.group for term, _, _ in raw if term.group not in _EVIDENCE_GROUPS}
    evidence.banter = "banter" in modifiers
    evidence.intensifiers = min(2, sum(1 for term, _, _ in raw if term.group == "intensifiers"))
    evidence.alarms = [term.phrase for term, _, _ in raw if term.group == "alarm"]
    negators = {start for term, start, _ in raw if term.group == "negators"}
    reporting = {start for term, start, _ in raw if term.group == "reporting_cues"}
    quoted = _quoted_positions(words)
    for term, start, end in raw:
        negated = _is_negated(words, start, negators, int(lexicon.settings["negation_window"]))
        if term.group in ("in_progress", "past") and not negated:
            evidence.in_progress |= term.group == "in_progress"
            evidence.past |= term.group == "past"
        if term.group not in _EVIDENCE_GROUPS:
            continue
        reported = (start in quoted or _after_cue(words, start, reporting)) and not (
            _FIRST_PERSON.intersection(term.tokens))
        weight = _adjusted_weight(lexicon, term, evidence, negated, reported)
        evidence.matches.append(Match(term, start, end, weight, negated, reported))
    _score(lexicon, evidence)
    return evidence


def _adjusted_weight(
    lexicon: Lexicon, term: Term, evidence: LexiconEvidence, negated: bool, reported: bool
) -> float:
    if negated:
        return 0.0
    settings = lexicon.settings
    weight = min(1.0, term.weight + settings["intensifier_boost"] * evidence.intensifiers)
    if term.group == "deescalator":
        return term.weight
    if reported:
        weight *= settings["reported_speech_factor"]
    if evidence.banter:
        weight *= settings["banter_factor"]
    return weight


def _score(lexicon: Lexicon, evidence: LexiconEvidence) -> None:
    """Noisy-or of the weights per category / vulnerability; keep each category's term priority."""
    weak = lexicon.settings["weak_threshold"]
    for match in evidence.matches:
        term = match.term
        if match.weight <= 0:
            continue
        if term.group == "deescalator":
            evidence.deescalation = _noisy_or(evidence.deescalation, match.weight)
            continue
        scores = evidence.categories if term.group == "category" else evidence.vulnerabilities
        scores[term.name] = _noisy_or(scores.get(term.name, 0.0), match.weight)
        if term.group == "category" and term.priority and match.weight >= weak:
            current = evidence.term_priorities.get(term.name, "P4")
            evidence.term_priorities[term.name] = min(current, term.priority)


def _noisy_or(a: float, b: float) -> float:
    return 1.0 - (1.0 - a) * (1.0 - b)


def _is_negated(words: list[str], start: int, negators: set[int], window: int) -> bool:
    for position in range(start - 1, max(start - window, 0) - 1, -1):
        if words[position] in _CLAUSE_BREAKS:
            return False
        if position in negators:
            return True
    return False


def _after_cue(words: list[str], start: int, cues: set[int]) -> bool:
    """A reporting cue earlier in the same sentence ("police said a man was stabbed")."""
    for position in range(start - 1, -1, -1):
        if words[position] in _SENTENCE_BREAKS:
            return False
        if position in cues:
            return True
    return False


def _quoted_positions(words: list[str]) -> set[int]:
    inside, positions = False, set()
    for position, word in enumerate(words):
        if word in _QUOTES:
            inside = word != "\u201d" and not (inside and word == '"')
            continue
        if inside:
            positions.add(position)
    return positions
