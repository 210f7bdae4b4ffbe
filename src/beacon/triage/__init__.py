"""Triage: priority, categories, vulnerability, THRIVE risk, place, language and reasons for
every message, from a force-editable lexicon and a trained text model combined safety-first."""

from beacon.triage.engine import TriageEngine
from beacon.triage.result import PRIORITIES, TriageResult

__all__ = ["PRIORITIES", "TriageEngine", "TriageResult"]
