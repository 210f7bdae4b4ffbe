"""Dead letters from the channels: list them, and re-parse them once the parser is fixed.

Only deliveries that passed their signature check are ever kept (`webhook:<channel>`, and
`mail` for unreadable mail), so re-parsing needs no secret. Re-parsing the whole body is safe:
whatever was already stored is dropped by the unique provider key. A letter is marked resolved
only when every item in it is now understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.intake.deliveries import dead_letter_bytes, rejection_reason, take_in
from beacon.intake.errors import PayloadError
from beacon.intake.webhook_channels import parser_for
from beacon.store.tables import DeadLetter

if TYPE_CHECKING:
    from beacon.bootstrap import Beacon

MAIL_SOURCE = "mail"


@dataclass(frozen=True)
class RetryOutcome:
    letter_id: int
    resolved: bool
    stored: int = 0
    detail: str = ""


def unresolved(session: Session, *, include_resolved: bool = False, limit: int = 200) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(DeadLetter.id).limit(limit)
    if not include_resolved:
        query = query.where(DeadLetter.resolved_at.is_(None))
    return list(session.scalars(query))


def parser_name(source: str) -> str | None:
    if source == MAIL_SOURCE:
        return "email"
    return source.removeprefix("webhook:") if source.startswith("webhook:") else None


def retry_dead_letter(beacon: Beacon, letter_id: int) -> RetryOutcome:
    """Re-parse one letter; store what it now yields, publish it, and resolve it if complete."""
    with beacon.read_session_factory() as session:
        letter = session.get(DeadLetter, letter_id)
    if letter is None:
        return RetryOutcome(letter_id, False, detail="no such dead letter")
    if letter.resolved_at is not None:
        return RetryOutcome(letter_id, True, detail="already resolved")
    name = parser_name(letter.source)
    parse = parser_for(name, beacon.settings) if name else None
    if parse is None:
        return RetryOutcome(letter_id, False, detail=f"source {letter.source!r} cannot be re-parsed")
    now = beacon.clock.now()
    try:
        result = parse(dead_letter_bytes(letter), letter.received_at, beacon.settings.max_body_bytes)
    except PayloadError as error:
        _note_reason(beacon, letter_id, f"{error.code}: {error}")
        return RetryOutcome(letter_id, False, detail=f"{error.code}: {error}")
    with beacon.session_factory.begin() as session:
        intake = take_in(session, result, beacon.forces, now)
        row = session.get_one(DeadLetter, letter_id)
        if result.rejected:
            row.reason = rejection_reason(result.rejected)[:4000]
        else:
            row.resolved_at = now
    if intake.fresh:
        beacon.transport.publish(intake.fresh)
    detail = "" if result.complete else rejection_reason(result.rejected)
    return RetryOutcome(letter_id, result.complete, len(intake.fresh), detail)


def _note_reason(beacon: Beacon, letter_id: int, reason: str) -> None:
    with beacon.session_factory.begin() as session:
        session.get_one(DeadLetter, letter_id).reason = reason[:4000]
