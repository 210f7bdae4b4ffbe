"""Acknowledging an alert by replying to its SMS: "ACK 4821" (or just "ACK" for the latest).

The SMS intake calls `acknowledge_by_sms` for every inbound SMS before treating it as a
citizen's message: when it returns an answer, the message was a member of staff acknowledging
and must not become a case; the answer's `reply` may be texted back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.cases.audit_events import user_actor
from beacon.cases.escalation import acknowledge_case
from beacon.store.tables import Case, User
from beacon.store.tables_casework import Alert, StaffContact

_ACK = re.compile(r"^\s*ack(?:nowledged?)?\s*[:#-]?\s*(\d{4})?\s*[.!]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SmsAcknowledgement:
    user_id: int
    case_reference: str | None  # None: no open alert matched
    reply: str


def acknowledge_by_sms(
    session: Session, from_number: str, text: str, now: datetime
) -> SmsAcknowledgement | None:
    """None unless `text` is an ACK from a staff phone; otherwise acknowledge and say what."""
    match = _ACK.match(text)
    if match is None:
        return None
    user = _staff_with_phone(session, from_number)
    if user is None:
        return None
    alert = _alert_for(session, user, match.group(1))
    if alert is None:
        return SmsAcknowledgement(user.id, None, "Beacon: no open alert matches that code.")
    case = session.get_one(Case, alert.case_id)
    acknowledge_case(session, case, user_actor(user.id, user.display_name), "sms", now)
    return SmsAcknowledgement(user.id, case.reference, f"Beacon: {case.reference} acknowledged. Thank you.")


def _staff_with_phone(session: Session, number: str) -> User | None:
    wanted = _digits(number)
    for contact, user in session.execute(
        select(StaffContact, User).join(User, User.id == StaffContact.user_id)
        .where(StaffContact.phone.is_not(None), User.active.is_(True))
    ):
        if contact.phone and _digits(contact.phone) == wanted:
            return user
    return None


def _alert_for(session: Session, user: User, code: str | None) -> Alert | None:
    query = select(Alert).where(Alert.force_id == user.force_id, Alert.acknowledged_at.is_(None))
    if code is not None:
        return session.scalar(query.where(Alert.code == code).limit(1))
    for alert in session.scalars(query.order_by(Alert.raised_at.desc())):
        if any(user.id in notice.get("users", []) for notice in alert.notified):
            return alert
    return None


def _digits(number: str) -> str:
    """+44 7700 900123 and 07700900123 are the same phone."""
    digits = re.sub(r"\D", "", number)
    return "44" + digits[1:] if digits.startswith("0") else digits
