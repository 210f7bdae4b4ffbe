"""Replying to the citizen from the case page: GET the reply panel, POST a reply.

Thin: `outbox.replies.queue_reply` writes the reply, its timeline entry, the outbox entry and
the audit event in this request's transaction; the dispatcher sends it after commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Actor
from beacon.config import Settings
from beacon.outbox.replies import ReplyRefused, queue_reply, route_for
from beacon.outbox.reply_status import reply_status
from beacon.outbox.senders import LOG_ONLY, sends_for_real
from beacon.store.tables import Case, Message
from beacon.store.tables_outbox import OutboxEntry
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import case_or_404, render
from beacon.web.problems import Problem

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Answerable:
    message: Message
    refused: str | None  # why a reply cannot go to it (no consent), else None
    log_only: bool


@dataclass(frozen=True)
class SentReply:
    entry: OutboxEntry
    status: str  # queued, sent, delivered, read, failed, or log-only


def _answerable(session: Session, case: Case, settings: Settings) -> list[Answerable]:
    messages = session.scalars(
        select(Message).where(Message.case_id == case.id, Message.direction == "in")
        .order_by(Message.received_at.desc(), Message.id.desc())
    )
    out = []
    for message in messages:
        try:
            route = route_for(message, settings.mail_address)
        except ReplyRefused as refusal:
            out.append(Answerable(message, refusal.reason, False))
            continue
        real = route.sender != "log" and sends_for_real(
            settings, route.sender, route.target.channel_account)
        out.append(Answerable(message, None, not real))
    return out


def _sent(session: Session, case: Case) -> list[SentReply]:
    entries = session.scalars(
        select(OutboxEntry).where(OutboxEntry.case_id == case.id, OutboxEntry.kind == "reply")
        .order_by(OutboxEntry.id)
    )
    return [SentReply(e, LOG_ONLY if e.provider_ref == LOG_ONLY else reply_status(e).value)
            for e in entries]


@router.get("/cases/{case_id}/reply")
def reply_panel(
    case_id: int, request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep,
) -> HTMLResponse:
    """The panel alone for htmx (the case page loads it); a whole page without JavaScript."""
    case = case_or_404(session, viewer, case_id)
    return render(
        request, "_reply_form.html", viewer=viewer, case=case, panel=True,
        standalone=not request.headers.get("hx-request"),
        answerable=_answerable(session, case, beacon.settings), sent=_sent(session, case),
        reply_key=secrets.token_urlsafe(18),
    )


@router.post("/cases/{case_id}/reply", dependencies=[Csrf])
def send_reply(
    case_id: int, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    message_id: Annotated[int, Form()],
    text: Annotated[str, Form(min_length=1, max_length=100_000)],
    reply_key: Annotated[str, Form(max_length=64)],
) -> Response:
    case = case_or_404(session, viewer, case_id)
    answering = session.scalar(select(Message).where(
        Message.id == message_id, Message.case_id == case.id, Message.direction == "in"))
    if answering is None:
        raise Problem(404, "Not found", f"case {case_id} has no message {message_id}", "not_found")
    try:
        queue_reply(
            session, case=case, answering=answering, text=text.strip(),
            actor=Actor("user", viewer.id, viewer.display_name), form_key=reply_key,
            now=beacon.clock.now(), mailbox=beacon.settings.mail_address,
        )
    except ReplyRefused as refusal:
        raise Problem(422, "Reply not sent", refusal.reason, refusal.code) from None
    return RedirectResponse(f"/cases/{case_id}#reply-panel", status_code=303)
