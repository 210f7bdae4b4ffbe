"""The police disposition of a message: close, share, monitor or case, with the reason.

The force's policy (`routing/policy.py`, YAML) decides; this module gathers the facts it looks
at and turns the matching rule into a `Disposition` the pipeline stores on the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from beacon.routing.policy import Facts, Policy, load_policy
from beacon.store.tables import Message
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
    rule: str = ""
    recipient: str | None = None  # share: the partner or force it is passed to
    need: str | None = None  # monitor: what it is counted as, by beat


def decide_disposition(
    triage: TriageResult,
    share_of: int | None,
    *,
    text: str = "",
    from_force: bool = False,
    follows_open_case: bool = False,
    policy: Policy | None = None,
) -> Disposition:
    policy = policy or load_policy()
    facts = Facts(
        priority=triage.priority,
        categories=frozenset(triage.categories),
        needs_human=triage.needs_human,
        vulnerable=bool(triage.vulnerabilities),
        beat=beat_of(triage),
        text=text,
        is_share=share_of is not None,
        from_force=from_force,
        follows_open_case=follows_open_case,
    )
    rule = policy.first_match(facts)
    outcome = Outcome(rule.outcome)
    recipient = policy.partners[rule.to] if rule.to else None
    need = (rule.need or (triage.categories[0] if triage.categories else "other")) if outcome is Outcome.MONITOR else None
    return Disposition(outcome, _reason(rule.reason, triage, share_of, recipient), rule.name, recipient, need)


def beat_of(triage: TriageResult) -> str | None:
    beat = (triage.place or {}).get("beat")
    return str(beat) if beat else None


def _reason(text: str, triage: TriageResult, share_of: int | None, recipient: str | None) -> str:
    if share_of is not None and "share" in text:
        text = f"{text} (message {share_of})"
    if recipient:
        text = f"shared with {recipient}: {text}"
    return f"{triage.priority}: {text}" if not text.startswith(triage.priority) else text


def posted_by_force(message: Message) -> bool:
    """The force's own account is the author (its appeal on X, its post on its Page)."""
    account = message.channel_account.casefold()
    return message.author_id.casefold() == account or (message.author_handle or "").casefold() == account
