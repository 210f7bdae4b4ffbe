"""Beacon: triage and case handling for citizens' digital contact with a police force."""

__version__ = "0.1.0"
