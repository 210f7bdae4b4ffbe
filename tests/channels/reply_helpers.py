"""Cases with a citizen's message on them, replies queued on them, and a dispatcher to send."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.lifecycle import attach_message, open_case
from beacon.outbox.channel_jobs import make_dispatcher
from beacon.outbox.dispatch import Dispatcher
from beacon.outbox.replies import queue_reply
from beacon.store.tables import Case, Message
from beacon.store.tables_outbox import OutboxEntry
from tests.builders import inbound
from tests.fakes import KeywordTriage

STAFF = Actor("user", None, "Ann Handler")


def case_with_message(beacon: Beacon, **message: Any) -> tuple[int, int]:
    [accepted] = beacon.store([inbound(**message)])
    with beacon.session_factory.begin() as session:
        row = session.get_one(Message, accepted.message_id)
        case = open_case(session, row, KeywordTriage().triage(row.text), None, beacon.clock.now())
        attach_message(session, case, row, "test", beacon.clock.now())
        return case.id, row.id


def queue(beacon: Beacon, case_id: int, message_id: int, text: str = "Officers are on their way.",
          form_key: str = "form-key-0000000001") -> int:
    with beacon.session_factory.begin() as session:
        queued = queue_reply(
            session, case=session.get_one(Case, case_id), answering=session.get_one(Message, message_id),
            text=text, actor=STAFF, form_key=form_key, now=beacon.clock.now(),
        )
        return queued.outbox_id


def dispatcher(beacon: Beacon, client: httpx.Client) -> Dispatcher:
    return make_dispatcher(beacon, client)


def outbox_entry(beacon: Beacon, entry_id: int) -> OutboxEntry:
    with beacon.read_session_factory() as session:
        return session.get_one(OutboxEntry, entry_id)


def reply_entries(beacon: Beacon) -> list[OutboxEntry]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "reply")))
