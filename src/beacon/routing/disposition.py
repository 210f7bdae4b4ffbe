"""The police disposition of a message.

Foundation policy: P1-P3 become (or join) a case; P4 is closed with the reason; a share of a
post Beacon already holds is closed onto that post. A force-editable policy replaces this later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from beacon.triage.result import TriageResult


class Outcome(StrEnum):
    CLOSE = "close"
    SHARE = "share"
    MONITOR = "monitor"
    CASE = "case"


@dataclass(frozen=True)
class Disposition:
    outcome: Outcome
    reason: str


def decide_disposition(triage: TriageResult, share_of: int | None) -> Disposition:
    if share_of is not None:
        return Disposition(Outcome.CLOSE, f"share of message {share_of}; counted on the original")
    if triage.priority in ("P1", "P2", "P3"):
        return Disposition(Outcome.CASE, f"{triage.priority} needs police action")
    if triage.needs_human:
        return Disposition(Outcome.CASE, "a person must read it: triage could not be sure")
    return Disposition(Outcome.CLOSE, "P4: no police action needed")
