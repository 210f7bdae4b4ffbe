"""Alerts that wait for a human: raised for a P1 or a breach, sent to the on-call people of the
case's queue, escalated up the chain (handler, supervisor, duty inspector) until someone
acknowledges, then repeated to the whole chain for as long as nobody does.

Notices go through the outbox (SMS, email, webhook); the web push is the alerts bar, which reads
this table. Notices carry the case reference and priority, never the citizen's words. Each
alert keeps its own history (`notified`); only a person's acknowledgement goes on the case's
timeline, which stays the conversation and what staff did.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import who_may_see
from beacon.cases.audit_events import record
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.cases.rota import on_duty
from beacon.cases.settings import CaseworkSettings, ChainLevel
from beacon.cases.sla import meet
from beacon.outbox import enqueue
from beacon.store.tables import Case, CaseEntry
from beacon.store.tables_casework import Alert, StaffContact

OUTBOX_CHANNELS = {"sms": "alert-sms", "email": "alert-email", "webhook": "alert-webhook"}
CAUSE_LABELS = {"p1": "P1 case", "breach:acknowledge": "acknowledge breached",
                "breach:first_reply": "first reply breached"}


def open_alert(session: Session, case_id: int, cause: str) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.case_id == case_id, Alert.cause == cause))


def raise_alert(
    session: Session, settings: CaseworkSettings, case: Case, cause: str, now: datetime
) -> Alert | None:
    """Raise once per case and cause; notify the first level of the chain at once.

    A case that already has an unacknowledged alert gets no second one: that alert is already
    climbing the chain, and two would page the same people twice for one case.
    """
    if open_alert(session, case.id, cause) is not None or _unacknowledged(session, case.id):
        return None
    alert = Alert(force_id=case.force_id, case_id=case.id, team_id=case.team_id, cause=cause,
                  code=_fresh_code(session), raised_at=now, level=0, rounds=0, next_step_at=now,
                  notified=[])
    session.add(alert)
    session.flush()
    _notify_from(session, settings, alert, case, 0, now)
    return alert


def _unacknowledged(session: Session, case_id: int) -> bool:
    return session.scalar(
        select(Alert.id).where(Alert.case_id == case_id, Alert.acknowledged_at.is_(None)).limit(1)
    ) is not None


def tick_alerts(session: Session, settings: CaseworkSettings, now: datetime) -> list[Alert]:
    """Take the next step on every unacknowledged alert that is due one; returns them."""
    due = list(session.scalars(
        select(Alert).where(Alert.acknowledged_at.is_(None), Alert.next_step_at <= now).order_by(Alert.id)
    ))
    for alert in due:
        case = session.get_one(Case, alert.case_id)
        if case.status not in [s.value for s in OPEN_STATUSES]:
            alert.acknowledged_at, alert.acknowledged_via = now, "closed"  # nothing left to wake anyone for
        elif alert.level + 1 < len(settings.escalation.chain):
            alert.escalated_at = alert.escalated_at or now
            _notify_from(session, settings, alert, case, alert.level + 1, now)
        else:
            _repeat_to_everyone(session, settings, alert, case, now)
    return due


def _notify_from(
    session: Session, settings: CaseworkSettings, alert: Alert, case: Case, level: int, now: datetime
) -> None:
    """Notify `level`; a level with nobody on duty passes straight to the next one."""
    chain = settings.escalation.chain
    while True:
        reached = _notify_level(session, alert, case, chain[level], level, now)
        alert.level = level
        if reached or level + 1 >= len(chain):
            break
        level += 1
        alert.escalated_at = alert.escalated_at or now
    alert.next_step_at = now + timedelta(minutes=_wait_after(settings, level))


def _repeat_to_everyone(
    session: Session, settings: CaseworkSettings, alert: Alert, case: Case, now: datetime
) -> None:
    alert.rounds += 1
    for level, step in enumerate(settings.escalation.chain):
        _notify_level(session, alert, case, step, level, now)
    alert.next_step_at = now + timedelta(minutes=settings.escalation.repeat_minutes)


def _wait_after(settings: CaseworkSettings, level: int) -> int:
    chain = settings.escalation.chain
    return chain[level + 1].after_minutes if level + 1 < len(chain) else settings.escalation.repeat_minutes


def _notify_level(
    session: Session, alert: Alert, case: Case, step: ChainLevel, level: int, now: datetime
) -> bool:
    """Queue this level's notices; False when nobody in that role is on duty."""
    people = recipients(session, case, step.role, now)
    contacts = {c.user_id: c for c in session.scalars(
        select(StaffContact).where(StaffContact.user_id.in_(people)))} if people else {}
    payload = _payload(alert, case, step.role)
    key = f"alert:{alert.id}:{alert.rounds}:{level}"
    for user_id in people:
        contact = contacts.get(user_id)
        for channel in step.channels:
            target = _target(contact, channel)
            if target:
                enqueue(session, kind="alert", channel=OUTBOX_CHANNELS[channel], target=target,
                        payload=payload, idempotency_key=f"{key}:{channel}:{user_id}", now=now,
                        force_id=case.force_id, case_id=case.id)
    if "webhook" in step.channels:
        enqueue(session, kind="alert", channel="alert-webhook", target=step.role, payload=payload,
                idempotency_key=f"{key}:webhook", now=now, force_id=case.force_id, case_id=case.id)
    alert.notified = [*alert.notified, {"level": level, "role": step.role, "users": people,
                                        "round": alert.rounds, "at": now.isoformat()}]
    return bool(people)


def recipients(session: Session, case: Case, role: str, now: datetime) -> list[int]:
    """Who a chain role means for this case now: its holder, else the queue's people on duty."""
    if role == "handler" and case.assignee_id is not None:
        return [case.assignee_id]
    return who_may_see(session, case, list(dict.fromkeys(
        shift.user_id for shift in on_duty(session, case.force_id, now, role=role, team_id=case.team_id)
    )))


def _target(contact: StaffContact | None, channel: str) -> str | None:
    if channel == "sms":
        return contact.phone if contact else None
    if channel == "email":
        return contact.email if contact else None
    return None  # push is the alerts bar; the webhook is queued once per level


def _payload(alert: Alert, case: Case, role: str) -> dict[str, object]:
    cause = CAUSE_LABELS.get(alert.cause, alert.cause)
    text = (f"BEACON {case.priority} {case.reference}: {cause}, not yet acknowledged. "
            f"Reply ACK {alert.code} to acknowledge.")
    return {"alert_id": alert.id, "code": alert.code, "reference": case.reference, "case_id": case.id,
            "priority": case.priority, "cause": alert.cause, "role": role, "text": text,
            "link": f"/cases/{case.id}"}


def _fresh_code(session: Session) -> str:
    """Four digits, unique among unacknowledged alerts: easy to type on a phone at 3am."""
    while True:
        code = f"{secrets.randbelow(10_000):04d}"
        taken = session.scalar(select(Alert.id).where(Alert.code == code, Alert.acknowledged_at.is_(None)))
        if taken is None:
            return code


def acknowledge_case(
    session: Session, case: Case, actor: Actor, via: str, now: datetime
) -> list[Alert]:
    """Someone is on it: meet the acknowledge clock and close every open alert of the case."""
    alerts = list(session.scalars(
        select(Alert).where(Alert.case_id == case.id, Alert.acknowledged_at.is_(None))
    ))
    clock = meet(session, case.id, "acknowledge", actor.id, now)
    for alert in alerts:
        alert.acknowledged_at, alert.acknowledged_by, alert.acknowledged_via = now, actor.id, via
    if alerts or clock is not None:
        session.add(CaseEntry(case_id=case.id, kind="alert", user_id=actor.id, created_at=now,
                              body=f"Acknowledged by {actor.name} ({via})",
                              data={"alerts": [a.id for a in alerts], "via": via}))
        record(session, actor, Action.CHANGED, "case", case.id, case.force_id, now,
               f"acknowledged ({via})", {"alerts": [a.id for a in alerts]})
    return alerts
