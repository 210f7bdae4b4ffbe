"""Incident clustering: which live incident, if any, a new independent report belongs to.

A report joins an incident when the incident had a report within `cluster_gap`, their known places
agree, and the incident's core vocabulary covers at least `cluster_threshold` of the report's
informative weight. Weights are inverse document frequencies over the live window, so words every
post uses ("police", "news") count for little and names, streets and postcodes count for a lot.
Candidates come from an inverted index over each report's rarest words, capped per word, so the
cost per message stays bounded however big the window.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from datetime import datetime

from beacon.noise.places import ReportPlace
from beacon.noise.settings import NoiseSettings
from beacon.noise.state import Incident

# A word is in an incident's core vocabulary if at least this share of its reports use it.
_CORE_SHARE = 0.1
# How many of a report's rarest words look up candidates, and how many incidents each word keeps.
_LOOKUP_TERMS = 6
_POSTING_DEPTH = 24
# idf is smoothed as if the window also held this many posts without the word, so a quiet window
# (or a test) does not make an incident's own words look common.
_BACKGROUND_DOCUMENTS = 1000
# Fewer shared informative words than this is coincidence, not an incident.
_MIN_SHARED_TERMS = 2


class IncidentIndex:
    def __init__(self, settings: NoiseSettings) -> None:
        self._settings = settings
        self._document_frequency: Counter[str] = Counter()
        self._documents = 0
        self._postings: dict[str, deque[Incident]] = {}

    def count_terms(self, terms: frozenset[str]) -> None:
        self._document_frequency.update(terms)
        self._documents += 1

    def forget_terms(self, terms: frozenset[str]) -> None:
        self._document_frequency.subtract(terms)
        for term in terms:
            if self._document_frequency[term] <= 0:
                del self._document_frequency[term]
                self._postings.pop(term, None)
        self._documents -= 1

    def idf(self, term: str) -> float:
        documents = _BACKGROUND_DOCUMENTS + self._documents
        return math.log((1 + documents) / (1 + self._document_frequency[term])) + 1.0

    def best_incident(
        self, terms: frozenset[str], place: ReportPlace, at: datetime
    ) -> tuple[Incident | None, float]:
        """The live incident this report most plausibly belongs to, with its coverage score."""
        if len(terms) < _MIN_SHARED_TERMS:
            return None, 0.0
        weights = {term: self.idf(term) for term in terms}
        total = sum(weights.values())
        best: Incident | None = None
        best_score = self._settings.cluster_threshold
        for incident in self._candidates(weights, place, at):
            score = _coverage(weights, total, incident)
            if score >= best_score:
                best, best_score = incident, score
        return best, (best_score if best is not None else 0.0)

    def index(self, incident: Incident, terms: frozenset[str]) -> None:
        """Let later reports with these words find this incident."""
        for term in terms:
            posting = self._postings.get(term)
            if posting is None:
                posting = self._postings[term] = deque(maxlen=_POSTING_DEPTH)
            if not posting or posting[-1] is not incident:
                posting.append(incident)

    def _candidates(
        self, weights: dict[str, float], place: ReportPlace, at: datetime
    ) -> list[Incident]:
        rarest = sorted(weights, key=weights.__getitem__, reverse=True)[:_LOOKUP_TERMS]
        seen: set[int] = set()
        found: list[Incident] = []
        gap = self._settings.cluster_gap
        for term in rarest:
            for incident in self._postings.get(term, ()):
                if id(incident) in seen or not incident.alive:
                    continue
                seen.add(id(incident))
                if abs(at - incident.last_report_at) > gap:
                    continue
                if incident.where.compatible(place, self._settings.place_radius_km):
                    found.append(incident)
        return found


def _coverage(weights: dict[str, float], total: float, incident: Incident) -> float:
    """Share of the report's idf weight found in the incident's core vocabulary."""
    floor = max(1.0, _CORE_SHARE * incident.report_count)
    counts = incident.term_counts
    shared = [w for term, w in weights.items() if counts.get(term, 0) >= floor]
    if len(shared) < _MIN_SHARED_TERMS:
        return 0.0
    return sum(shared) / total
