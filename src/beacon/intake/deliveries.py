"""Taking in one verified delivery: store what it carries, once, in one transaction.

The web routes, `beacon mail` and `beacon deadletter retry` all end here:

* citizen messages are stored with the unique provider key (a retry or a concurrent duplicate
  stores nothing new) and their fresh ids returned for the pipeline;
* automated mail (bounces, auto-replies) is stored with state `automated`, which the pipeline
  and recovery skip: kept for the record, never triaged as citizen contact;
* reply statuses move the matching outbox reply forward only;
* a payload that cannot be read, or items of it that were rejected, are kept as a dead letter
  with the raw body, so `beacon deadletter retry` can re-parse them once the parser is fixed.

Signature failures are counted here too, without the body.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from beacon.cases.sms_ack import acknowledge_by_sms
from beacon.intake.accept import store_messages
from beacon.intake.errors import PayloadError, SignatureError
from beacon.intake.results import ParseResult, Rejection
from beacon.outbox.reply_status import record_statuses
from beacon.store.forces import ForceDirectory
from beacon.store.tables import DeadLetter, Message
from beacon.store.tables_channels import ANY_ACCOUNT, ChannelHealth

if TYPE_CHECKING:
    from beacon.bootstrap import Beacon
    from beacon.intake.webhook_channels import WebhookChannel

AUTOMATED_STATE = "automated"  # stored, never triaged: Pipeline and recovery take only "received"
STAFF_STATE = "staff"  # an on-call officer's "ACK 1234" text: kept, acts on the alert, never triaged
BASE64_MARK = "; beacon-encoding=base64"


@dataclass
class Intake:
    """What one delivery added. `fresh` are message ids to hand to the pipeline after commit."""

    fresh: list[int] = field(default_factory=list)
    duplicates: int = 0
    automated: int = 0
    statuses: int = 0
    dead_letter_id: int | None = None


def take_in(
    session: Session, result: ParseResult, forces: ForceDirectory, now: datetime
) -> Intake:
    """Store messages and automated mail, apply statuses; the caller commits."""
    intake = Intake()
    for accepted in store_messages(session, result.messages, forces):
        if accepted.duplicate:
            intake.duplicates += 1
        elif not _staff_acknowledgement(session, accepted.message_id, now):
            intake.fresh.append(accepted.message_id)
    automated = store_messages(session, [a.message for a in result.automated], forces)
    new_automated = [a.message_id for a in automated if not a.duplicate]
    if new_automated:
        session.execute(
            update(Message).where(Message.id.in_(new_automated)).values(state=AUTOMATED_STATE)
        )
    intake.automated = len(new_automated)
    intake.statuses = record_statuses(session, result.statuses, now)
    return intake


def _staff_acknowledgement(session: Session, message_id: int, now: datetime) -> bool:
    """An SMS from a staff phone answering an alert ("ACK 1234") acknowledges it instead of
    becoming a citizen's contact; the message itself is still stored."""
    message = session.get_one(Message, message_id)
    if message.channel != "sms":
        return False
    if acknowledge_by_sms(session, message.author_id, message.text, now) is None:
        return False
    message.state = STAFF_STATE
    return True


def rejection_reason(rejected: Sequence[Rejection]) -> str:
    parts = [f"{r.code} at {r.path or '$'}: {r.reason}" for r in rejected]
    return f"{len(rejected)} item(s) rejected: " + "; ".join(parts)


def keep_dead_letter(
    session: Session, *, source: str, reason: str, raw: bytes, content_type: str | None,
    now: datetime,
) -> int:
    """Keep the raw body losslessly, once per source and body: as text when it is UTF-8 without
    NUL, else as base64 (marked). Another copy of the same bytes (a provider's retry, a
    concurrent duplicate, a re-import) counts on the row it already has (`copies`,
    `last_seen_at`, the latest reason) and reopens it if it had been resolved: one atomic
    upsert on the unique (source, body_sha256), so concurrent copies cannot make two rows.

    NUL is valid UTF-8 but PostgreSQL text cannot hold it, so such a body is kept as bytes too.
    """
    body, kind = _storable_body(raw), content_type
    if body is None:
        body, kind = base64.b64encode(raw).decode("ascii"), f"{content_type or ''}{BASE64_MARK}"
    statement = _dialect_insert(session)(DeadLetter).values(
        source=source, reason=reason[:4000], raw_body=body, content_type=(kind or None),
        received_at=now, last_seen_at=now, copies=1, body_sha256=hashlib.sha256(raw).hexdigest(),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["source", "body_sha256"],
        set_={"copies": DeadLetter.copies + 1, "last_seen_at": now, "reason": reason[:4000],
              "resolved_at": None},
    ).returning(DeadLetter.id)
    return int(session.execute(statement).scalar_one())


def _dialect_insert(session: Session) -> Any:
    """The INSERT that speaks ON CONFLICT for the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _storable_body(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def dead_letter_bytes(letter: DeadLetter) -> bytes:
    if (letter.content_type or "").endswith(BASE64_MARK):
        return base64.b64decode(letter.raw_body)
    return letter.raw_body.encode("utf-8")


def count_signature_failure(
    session_factory: sessionmaker[Session], channel: str, now: datetime, reason: str
) -> None:
    """One more failed signature on a channel's route, in its own short transaction."""
    with session_factory.begin() as session:
        statement = _dialect_insert(session)(ChannelHealth).values(
            channel=channel, account=ANY_ACCOUNT, signature_failures=1,
            last_signature_failure_at=now, last_error=reason[:500], last_error_at=now,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["channel", "account"],
                set_={
                    "signature_failures": ChannelHealth.signature_failures + 1,
                    "last_signature_failure_at": now,
                    "last_error": reason[:500],
                    "last_error_at": now,
                },
            )
        )


def receive(
    beacon: Beacon, channel: WebhookChannel, raw: bytes, *, headers: Mapping[str, str],
    path: str, query: str, content_type: str | None,
) -> Intake:
    """Verify, then parse, then store in one transaction. Raises `SignatureError` (counted).

    Returns only after the commit: the caller may acknowledge the delivery, then publish
    `fresh` to the pipeline.
    """
    now = beacon.clock.now()
    try:
        channel.verify(raw, headers, path, query)
    except SignatureError as error:
        count_signature_failure(beacon.session_factory, channel.name, now, error.code)
        raise
    source = f"webhook:{channel.name}"
    try:
        result = channel.parse(raw, now, beacon.settings.max_body_bytes)
    except PayloadError as error:
        with beacon.session_factory.begin() as session:
            letter = keep_dead_letter(session, source=source, reason=f"{error.code}: {error}",
                                      raw=raw, content_type=content_type, now=now)
        return Intake(dead_letter_id=letter)
    with beacon.session_factory.begin() as session:
        intake = take_in(session, result, beacon.forces, now)
        if result.rejected:
            intake.dead_letter_id = keep_dead_letter(
                session, source=source, reason=rejection_reason(result.rejected), raw=raw,
                content_type=content_type, now=now,
            )
    return intake
