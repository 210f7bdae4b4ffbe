"""A handler's disposition of a whole case: close it, share it with a partner, monitor it on a
beat, or keep it as a case.

The routing stage decides each message's disposition by the force's policy (`record.py`); a
handler who has read the case can decide otherwise. Each decision is a `CaseDisposition` row (the
latest is the case's disposition), a timeline entry and an audit event, in the caller's
transaction. Close, share and monitor all end the case work, as they do for a message the
pipeline never opens a case for, so the case closes through the lifecycle's `change_status`;
keeping it as a case reopens a case that was closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import Access, of_visible_case
from beacon.cases.audit_events import record
from beacon.cases.lifecycle import Status, change_status
from beacon.routing.disposition import Outcome
from beacon.routing.policy import Policy
from beacon.store.tables import Case, CaseEntry
from beacon.store.tables_desk import CaseDisposition

REASON_LIMIT = 500
NEED_LIMIT = 64
NEEDS_A_REASON = (Outcome.CLOSE, Outcome.SHARE, Outcome.MONITOR)


class DispositionRefused(ValueError):
    """The disposition cannot be set as asked; `field` names the input at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Choice:
    """What the handler asked for, as typed; `checked` turns it into what is stored."""

    outcome: Outcome
    reason: str = ""
    partner: str | None = None  # share: a key of the policy's partners
    beat: str | None = None  # monitor: a beat code
    need: str | None = None  # monitor: what it is counted as (default: the case's category)


def checked(choice: Choice, case: Case, policy: Policy, beats: frozenset[str]) -> Choice:
    """The choice with blanks dropped and defaults filled; refused with the field at fault."""
    reason = " ".join(choice.reason.split())
    if choice.outcome in NEEDS_A_REASON and not reason:
        raise DispositionRefused("reason", f"say why the case is set to {choice.outcome.value}")
    if len(reason) > REASON_LIMIT:
        raise DispositionRefused("reason", f"the reason is longer than {REASON_LIMIT} characters")
    if choice.outcome is Outcome.SHARE:
        if not choice.partner or choice.partner not in policy.partners:
            raise DispositionRefused("partner", "choose a partner from the force's list to share with")
        return Choice(Outcome.SHARE, reason, partner=choice.partner)
    if choice.outcome is Outcome.MONITOR:
        return Choice(Outcome.MONITOR, reason, beat=_beat(choice.beat, beats), need=_need(choice.need, case))
    return Choice(choice.outcome, reason)


def set_case_disposition(
    session: Session, case: Case, choice: Choice, actor: Actor, policy: Policy,
    beats: frozenset[str], now: datetime,
) -> CaseDisposition:
    """Store the handler's disposition, put it on the timeline and the audit log, and move the
    case's status to match (closed, or reopened when kept as a case)."""
    final = checked(choice, case, policy, beats)
    recipient = policy.partners[final.partner] if final.partner else None
    row = CaseDisposition(
        case_id=case.id, force_id=case.force_id, outcome=final.outcome.value, reason=final.reason,
        partner=final.partner, recipient=recipient, beat=final.beat, need=final.need,
        decided_by=actor.id, decided_at=now,
    )
    session.add(row)
    data = {"outcome": row.outcome, "reason": row.reason, "partner": row.partner,
            "recipient": recipient, "beat": row.beat, "need": row.need}
    session.add(CaseEntry(case_id=case.id, kind="disposition", user_id=actor.id, body=describe(row),
                          data=data, created_at=now))
    record(session, actor, Action.CHANGED, "case", case.id, case.force_id, now,
           final.reason or "disposition set", {"field": "disposition", **data})
    _match_status(session, case, final.outcome, actor, now)
    return row


def current_disposition(session: Session, case_id: int) -> CaseDisposition | None:
    return session.scalar(
        select(CaseDisposition).where(CaseDisposition.case_id == case_id)
        .order_by(CaseDisposition.id.desc()).limit(1)
    )


def describe(row: CaseDisposition) -> str:
    """One line for the timeline and the case page."""
    if row.outcome == Outcome.SHARE.value:
        head = f"Shared with {row.recipient}"
    elif row.outcome == Outcome.MONITOR.value:
        head = f"Monitored as {row.need} on beat {row.beat or 'not placed'}"
    elif row.outcome == Outcome.CLOSE.value:
        head = "Closed"
    else:
        head = "Kept as a case"
    return f"{head}: {row.reason}" if row.reason else head


def monitored_cases_by_beat(session: Session, counted: Access, since: datetime) -> Counter[str]:
    """Cases whose latest disposition, made since `since`, is monitor: counted by beat."""
    counts: Counter[str] = Counter()
    for beat, _need, n in monitored_cases_by_need(session, counted, since):
        counts[beat or ""] += n
    return counts


def monitored_cases_by_need(session: Session, counted: Access, since: datetime) -> list[tuple[str | None, str, int]]:
    """(beat, need, count) of cases whose latest disposition, made since `since`, is monitor;
    `counted` decides which cases count (beacon.insight.scope)."""
    rows = session.execute(
        select(CaseDisposition.beat, CaseDisposition.need, func.count())
        .where(CaseDisposition.id.in_(_latest(counted)), CaseDisposition.outcome == Outcome.MONITOR.value,
               CaseDisposition.decided_at >= since)
        .group_by(CaseDisposition.beat, CaseDisposition.need)
    )
    return [(beat, need or "other", int(n)) for beat, need, n in rows]


def shared_cases_by_partner(session: Session, counted: Access, since: datetime) -> Counter[str]:
    """Cases whose latest disposition, made since `since`, is share: counted by partner name."""
    rows = session.execute(
        select(CaseDisposition.recipient, func.count())
        .where(CaseDisposition.id.in_(_latest(counted)), CaseDisposition.outcome == Outcome.SHARE.value,
               CaseDisposition.decided_at >= since)
        .group_by(CaseDisposition.recipient)
    )
    return Counter({recipient or "": int(n) for recipient, n in rows})


def _latest(counted: Access) -> Select[Any]:
    """The id of each counted case's latest disposition: a later change replaces the earlier one."""
    return (select(func.max(CaseDisposition.id))
            .where(CaseDisposition.force_id == counted.force_id, of_visible_case(CaseDisposition.case_id, counted))
            .group_by(CaseDisposition.case_id))


def _match_status(session: Session, case: Case, outcome: Outcome, actor: Actor, now: datetime) -> None:
    if outcome is Outcome.CASE:
        target = Status.OPEN if case.status == Status.CLOSED.value else None
    else:
        target = Status.CLOSED
    before = case.status
    if target is not None and change_status(session, case, target, actor.id, now) is not None:
        record(session, actor, Action.CHANGED, "case", case.id, case.force_id, now,
               f"status changed by disposition ({outcome.value})",
               {"field": "status", "from": before, "to": target.value})


def _beat(beat: str | None, beats: frozenset[str]) -> str | None:
    """A known beat code, or None for 'not placed'; a force without a beats map takes any code."""
    code = (beat or "").strip()
    if not code:
        return None
    if (beats and code not in beats) or len(code) > 64:
        raise DispositionRefused("beat", f"no beat {code!r}: choose one of the force's beats")
    return code


def _need(need: str | None, case: Case) -> str:
    text = " ".join((need or "").split()) or case.category or "other"
    if len(text) > NEED_LIMIT:
        raise DispositionRefused("need", f"say what it is counted as in {NEED_LIMIT} characters or fewer")
    return text
