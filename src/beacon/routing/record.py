"""Each message's routing decision, kept beside it, and the community needs it adds up to.

`monitor` means no case: the need is counted by beat and kind, so the control room and the
neighbourhood teams can see, say, eleven helicopter questions from Rosehill tonight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.cases.access import Access, visible_messages
from beacon.routing.case_disposition import monitored_cases_by_need, shared_cases_by_partner
from beacon.routing.disposition import Disposition, Outcome
from beacon.store.tables import Message
from beacon.store.tables_people import RoutingDecision


@dataclass(frozen=True)
class Need:
    beat: str | None
    need: str
    count: int


def record_decision(
    session: Session, message: Message, disposition: Disposition, beat: str | None, now: datetime
) -> None:
    message.disposition = disposition.outcome.value
    message.disposition_reason = disposition.reason[:500]
    session.add(
        RoutingDecision(
            message_id=message.id, force_id=message.force_id, outcome=disposition.outcome.value,
            rule=disposition.rule, recipient=disposition.recipient, beat=beat,
            need=disposition.need, reason=disposition.reason[:500], decided_at=now,
        )
    )


def monitored_needs(session: Session, counted: Access, since: datetime) -> list[Need]:
    """Monitored messages since `since`, and cases a handler set to monitor, counted by beat and
    need, most first. The two never overlap: the pipeline opens no case for a monitored message.
    `counted` decides which cases' messages count (beacon.insight.scope)."""
    count = func.count(RoutingDecision.message_id)
    rows = session.execute(
        select(RoutingDecision.beat, RoutingDecision.need, count)
        .where(RoutingDecision.force_id == counted.force_id, RoutingDecision.outcome == Outcome.MONITOR.value,
               RoutingDecision.decided_at >= since, *_counted_messages(counted))
        .group_by(RoutingDecision.beat, RoutingDecision.need)
    )
    totals: Counter[tuple[str | None, str]] = Counter()
    for beat, need, n in [*rows, *monitored_cases_by_need(session, counted, since)]:
        totals[(beat, need or "other")] += int(n)
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0][0] or "", item[0][1]))
    return [Need(beat, need, n) for (beat, need), n in ordered]


def shared_by_partner(session: Session, counted: Access, since: datetime) -> list[tuple[str, int]]:
    """Messages the policy shared since `since`, and cases a handler shared, counted by partner,
    most first (the partner's name as it was when shared)."""
    rows = session.execute(
        select(RoutingDecision.recipient, func.count(RoutingDecision.message_id))
        .where(RoutingDecision.force_id == counted.force_id, RoutingDecision.outcome == Outcome.SHARE.value,
               RoutingDecision.decided_at >= since, *_counted_messages(counted))
        .group_by(RoutingDecision.recipient)
    )
    totals: Counter[str] = shared_cases_by_partner(session, counted, since)
    for recipient, n in rows:
        totals[recipient or "unknown"] += int(n)
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def _counted_messages(counted: Access) -> list[Any]:
    """A message monitored or shared by the policy has no case, but one a handler later moved
    into a hidden case is that case's, and is not counted for who may not see it."""
    if not counted.hidden_teams:
        return []
    return [RoutingDecision.message_id.in_(select(Message.id).where(visible_messages(counted)))]
