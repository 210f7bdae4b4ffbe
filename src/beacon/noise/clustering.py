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
from collections import Counter
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
# How many candidate incidents are scored per report.
_SCORED_CANDIDATES = 6
# Fewer shared informative words than this is coincidence, not an incident.
_MIN_SHARED_TERMS = 2


class IncidentIndex:
    def __init__(self, settings: NoiseSettings) -> None:
        self._settings = settings
        self._document_frequency: Counter[str] = Counter()
        self._documents = 0
        # A plain list per word, trimmed by hand: a deque costs 600 bytes even when it holds one entry.
        self._postings: dict[str, list[Incident]] = {}

    def count_terms(self, terms: tuple[str, ...]) -> None:
        self._document_frequency.update(terms)
        self._documents += 1

    def forget_terms(self, terms: tuple[str, ...]) -> None:
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
        self, terms: tuple[str, ...], place: ReportPlace, at: datetime
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

    def index(self, incident: Incident, terms: tuple[str, ...]) -> None:
        """Let later reports with these words find this incident."""
        for term in terms:
            posting = self._postings.get(term)
            if posting is None:
                self._postings[term] = [incident]
            elif posting[-1] is not incident:
                posting.append(incident)
                if len(posting) > _POSTING_DEPTH:
                    del posting[0]

    def _candidates(
        self, weights: dict[str, float], place: ReportPlace, at: datetime
    ) -> list[Incident]:
        """Live, recent, place-compatible incidents found under most of the report's rarest words.

        Only the few incidents hit by the most lookup words are scored: scoring is the costly step,
        and an incident sharing none but one rare word cannot reach the coverage threshold anyway.
        """
        rarest = sorted(weights, key=weights.__getitem__, reverse=True)[:_LOOKUP_TERMS]
        hits: Counter[Incident] = Counter()
        for term in rarest:
            hits.update(self._postings.get(term, ()))
        gap, radius = self._settings.cluster_gap, self._settings.place_radius_km
        found: list[Incident] = []
        for incident, count in hits.most_common():
            if count < _MIN_SHARED_TERMS or len(found) >= _SCORED_CANDIDATES:
                break
            if (incident.alive and abs(at - incident.last_report_at) <= gap
                    and incident.place_compatible(place, radius)):
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
