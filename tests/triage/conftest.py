"""Shared fixtures for the triage tests: engines are loaded once per session (loading is slow)."""

from __future__ import annotations

import pytest

from beacon.triage import TriageEngine


@pytest.fixture(scope="session")
def lexicon_engine() -> TriageEngine:
    """The shipped lexicon and beats table, without the text model."""
    return TriageEngine.load(use_model=False)
