"""Handover at shift end: a pack per queue (open high-risk cases, clocks near breach, promises
made to citizens, notes for the next shift) that the outgoing person completes and the
incoming person acknowledges. The pack is a snapshot of what the outgoing person saw; every
item names its case so the page links to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import Access
from beacon.cases.audit_events import record
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.cases.settings import CaseworkSettings
from beacon.cases.sla import MILESTONE_LABELS
from beacon.store.tables import Case, CaseEntry
from beacon.store.tables_casework import CaseClock, Handover

_OPEN = [s.value for s in OPEN_STATUSES]


class HandoverError(ValueError):
    """The handover step is not allowed now (not completed yet, or acknowledging your own)."""


def add_promise(session: Session, case: Case, actor: Actor, text: str, now: datetime) -> CaseEntry:
    """A note that is a promise to the citizen ("I'll call you back by 9"): handovers list it."""
    entry = CaseEntry(case_id=case.id, kind="note", user_id=actor.id, body=text, data={"promise": True},
                      created_at=now)
    case.updated_at = now
    session.add(entry)
    return entry


def draft_handover(
    session: Session, settings: CaseworkSettings, *, force_id: int, team_id: int, outgoing: Actor,
    now: datetime,
) -> Handover:
    assert outgoing.id is not None, "a person hands over"
    pack = {
        "high_risk": _high_risk(session, team_id),
        "near_breach": _near_breach(session, team_id, now + timedelta(minutes=settings.shifts.handover.near_breach_minutes)),
        "promises": _promises(session, team_id),
    }
    handover = Handover(force_id=force_id, team_id=team_id, drafted_at=now, outgoing_id=outgoing.id,
                        pack=pack, notes="")
    session.add(handover)
    session.flush()
    record(session, outgoing, Action.CREATED, "handover", handover.id, force_id, now, "handover drafted",
           {"cases": sorted(case_ids_in(pack))})
    return handover


def complete_handover(session: Session, handover: Handover, actor: Actor, notes: str, now: datetime) -> None:
    if handover.acknowledged_at is not None:
        raise HandoverError("this handover has already been acknowledged")
    handover.notes, handover.completed_at = notes.strip(), now
    record(session, actor, Action.CHANGED, "handover", handover.id, handover.force_id, now, "handover completed")


def acknowledge_handover(session: Session, handover: Handover, actor: Actor, now: datetime) -> None:
    if handover.completed_at is None:
        raise HandoverError("the outgoing person has not completed this handover yet")
    if actor.id == handover.outgoing_id:
        raise HandoverError("the incoming person acknowledges a handover, not the one who wrote it")
    if handover.acknowledged_at is None:
        handover.incoming_id, handover.acknowledged_at = actor.id, now
        record(session, actor, Action.CHANGED, "handover", handover.id, handover.force_id, now,
               "handover acknowledged")


def case_ids_in(pack: dict[str, Any]) -> set[int]:
    return {item["case_id"] for items in pack.values() for item in items}


def handovers_of(session: Session, access: Access, limit: int = 50) -> list[Handover]:
    """The force's packs, newest first, but not a restricted queue's the viewer may not see."""
    return list(session.scalars(
        select(Handover).where(Handover.force_id == access.force_id,
                               Handover.team_id.not_in(sorted(access.hidden_teams)))
        .order_by(Handover.drafted_at.desc()).limit(limit)
    ))


def get_handover(session: Session, force_id: int, handover_id: int) -> Handover | None:
    return session.scalar(select(Handover).where(Handover.id == handover_id, Handover.force_id == force_id))


def _item(case: Case, why: str) -> dict[str, Any]:
    return {"case_id": case.id, "reference": case.reference, "priority": case.priority,
            "title": case.title, "why": why}


def _high_risk(session: Session, team_id: int) -> list[dict[str, Any]]:
    cases = session.scalars(
        select(Case).where(Case.team_id == team_id, Case.status.in_(_OPEN),
                           or_(Case.priority.in_(["P1", "P2"]), Case.vulnerable.is_(True)))
        .order_by(Case.priority, Case.first_contact_at)
    )
    return [_item(c, ", ".join(filter(None, [c.priority, "vulnerable" if c.vulnerable else ""]))) for c in cases]


def _near_breach(session: Session, team_id: int, horizon: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CaseClock, Case).join(Case, Case.id == CaseClock.case_id)
        .where(Case.team_id == team_id, Case.status.in_(_OPEN), CaseClock.met_at.is_(None),
               CaseClock.due_at <= horizon)
        .order_by(CaseClock.due_at)
    ).all()
    return [
        {**_item(case, f"{MILESTONE_LABELS.get(clock.milestone, clock.milestone)} due"),
         "due_at": clock.due_at.isoformat(), "breached": clock.breached_at is not None}
        for clock, case in rows
    ]


def _promises(session: Session, team_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CaseEntry, Case).join(Case, Case.id == CaseEntry.case_id)
        .where(Case.team_id == team_id, Case.status.in_(_OPEN), CaseEntry.kind == "note")
        .order_by(CaseEntry.created_at)
    ).all()
    return [{**_item(case, "promise"), "promise": entry.body, "made_at": entry.created_at.isoformat()}
            for entry, case in rows if (entry.data or {}).get("promise")]
