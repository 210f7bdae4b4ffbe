"""The lexicon's verdict alone, cheap enough to run at intake (no model, no language or place).

Used by the distributed transport to send a likely emergency down the priority lane before any
worker has triaged it. It is a routing hint only: the pipeline still triages the message fully,
and a message the model alone would raise to P1 simply takes the ordinary lane.
"""

from __future__ import annotations

from pathlib import Path

from beacon.triage.analysis import analyse
from beacon.triage.lexicon import Lexicon, load_lexicon
from beacon.triage.policy import apply_safety_rules, decide_from_lexicon


class EmergencyCheck:
    """`check(text)`: True when the lexicon and the safety rules alone grade the text P1."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    @classmethod
    def load(cls, lexicon_path: Path | str | None = None) -> EmergencyCheck:
        return cls(load_lexicon(lexicon_path))

    def __call__(self, text: str) -> bool:
        evidence = analyse(self._lexicon, text or "")
        decision = decide_from_lexicon(self._lexicon, evidence)
        apply_safety_rules(decision, evidence, self._lexicon.settings["category_threshold"])
        return decision.priority == "P1"
