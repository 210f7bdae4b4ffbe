"""Channel health: what each channel account received, refused and failed to send.

Most figures are derived from rows that exist anyway (messages, dead letters, outbox replies);
only signature failures, which leave nothing behind, are counted in `channel_health`.
`raise_alerts` turns two conditions into control-room alerts (outbox `alert` entries): a busy
channel account that has gone silent, and a channel whose reply credentials were refused.
Each alert's key names its period, so one condition raises one alert, however often it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from beacon.outbox.queue import enqueue
from beacon.store.tables import DeadLetter, Message
from beacon.store.tables_channels import ChannelHealth
from beacon.store.tables_outbox import OutboxEntry

ALERT_CHANNEL = "control-room"  # shown on /admin/channels; the dispatcher logs it
SCAN_DAYS = 8


@dataclass(frozen=True)
class AccountHealth:
    channel: str
    account: str
    last_received_at: datetime | None
    received_24h: int


@dataclass(frozen=True)
class RouteHealth:
    route: str  # the webhook route (meta, whatsapp, twilio_sms, x, telegram) or mail
    signature_failures: int
    last_signature_failure_at: datetime | None
    open_dead_letters: int
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True)
class ReplyHealth:
    channel: str
    sent: int
    failed: int
    pending: int
    last_failure: str | None
    credentials_failed_at: datetime | None


def accounts(session: Session, now: datetime, force_id: int | None = None) -> list[AccountHealth]:
    """Each account that received anything in the last `SCAN_DAYS`; one force's, if given."""
    since = now - timedelta(hours=24)
    query = (
        select(Message.channel, Message.channel_account, func.max(Message.received_at),
               func.count().filter(Message.received_at >= since))
        .where(Message.direction == "in", Message.received_at >= now - timedelta(days=SCAN_DAYS))
        .group_by(Message.channel, Message.channel_account)
        .order_by(Message.channel, Message.channel_account)
    )
    if force_id is not None:
        query = query.where(Message.force_id == force_id)
    rows = session.execute(query)
    return [AccountHealth(c, a, last, int(n)) for c, a, last, n in rows]


def routes(session: Session) -> list[RouteHealth]:
    counted = {row.channel: row for row in session.scalars(select(ChannelHealth))}
    open_letters = dict(session.execute(
        select(DeadLetter.source, func.count()).where(DeadLetter.resolved_at.is_(None))
        .group_by(DeadLetter.source)
    ).all())
    latest = {source: (reason, at) for source, reason, at in session.execute(
        select(DeadLetter.source, DeadLetter.reason, DeadLetter.received_at)
        .where(DeadLetter.id.in_(select(func.max(DeadLetter.id)).group_by(DeadLetter.source)))
    )}
    lettered = {_route_of(source) for source in {*open_letters, *latest}}
    names = sorted({*counted, *(name for name in lettered if name is not None)})
    out = []
    for name in names:
        row = counted.get(name)
        reason: str | None
        at: datetime | None
        reason, at = latest.get(_source_of(name), (None, None))
        if row and row.last_error_at and (at is None or row.last_error_at > at):
            reason, at = row.last_error, row.last_error_at
        out.append(RouteHealth(name, row.signature_failures if row else 0,
                               row.last_signature_failure_at if row else None,
                               int(open_letters.get(_source_of(name), 0)), reason, at))
    return out


def _route_of(source: str) -> str | None:
    """The route a dead letter's source names: `webhook:<route>`, or `mail` for the mailbox."""
    if source == "mail":
        return "mail"
    return source.removeprefix("webhook:") if source.startswith("webhook:") else None


def _source_of(route: str) -> str:
    return "mail" if route == "mail" else f"webhook:{route}"


def replies(session: Session, force_id: int | None = None) -> list[ReplyHealth]:
    """Reply figures per channel; one force's replies, if given (credential state is shared)."""
    mine = OutboxEntry.force_id == force_id if force_id is not None else true()
    counts = session.execute(
        select(OutboxEntry.channel, OutboxEntry.status, func.count())
        .where(OutboxEntry.kind == "reply", mine).group_by(OutboxEntry.channel, OutboxEntry.status)
    ).all()
    by_channel: dict[str, dict[str, int]] = {}
    for channel, status, n in counts:
        by_channel.setdefault(channel, {})[status] = int(n)
    out = []
    for channel, states in sorted(by_channel.items()):
        last = session.scalar(
            select(OutboxEntry).where(OutboxEntry.kind == "reply", OutboxEntry.channel == channel,
                                      OutboxEntry.last_error.is_not(None), mine)
            .order_by(OutboxEntry.next_attempt_at.desc()).limit(1)
        )
        credentials = _credentials_failed_at(session, channel)
        out.append(ReplyHealth(
            channel, sum(states.get(s, 0) for s in ("sent", "delivered", "read")),
            states.get("failed", 0), states.get("pending", 0) + states.get("sending", 0),
            last.last_error if last else None, credentials))
    return out


def _credentials_failed_at(session: Session, channel: str) -> datetime | None:
    return session.scalar(
        select(func.max(OutboxEntry.next_attempt_at)).where(
            OutboxEntry.kind == "reply", OutboxEntry.channel == channel,
            OutboxEntry.status == "failed", OutboxEntry.last_error.like("credentials%"))
    )


def recent_alerts(session: Session, limit: int = 20) -> list[OutboxEntry]:
    return list(session.scalars(
        select(OutboxEntry).where(OutboxEntry.kind == "alert", OutboxEntry.channel == ALERT_CHANNEL)
        .order_by(OutboxEntry.id.desc()).limit(limit)
    ))


def raise_alerts(
    session: Session, now: datetime, *, silent_after: timedelta, busy_per_day: int
) -> list[str]:
    """Queue an alert for each silent busy account and each refused credential; returns keys."""
    keys = []
    for health in accounts(session, now):
        last = health.last_received_at
        if last is None or now - last < silent_after:
            continue
        if _received_in_day_before(session, health, last) >= busy_per_day:
            keys.append(_alert(session, now, f"channel-silent:{health.channel}:{health.account}:{last.isoformat()}",
                               f"{health.channel} {health.account} has received nothing since {last:%H:%M} UTC"))
    for reply in replies(session):
        if reply.credentials_failed_at is not None and now - reply.credentials_failed_at < timedelta(days=1):
            keys.append(_alert(session, now, f"channel-credentials:{reply.channel}:{now:%Y-%m-%d}",
                               f"{reply.channel} refused our credentials: replies are not being sent"))
    return keys


def _received_in_day_before(session: Session, health: AccountHealth, last: datetime) -> int:
    return int(session.scalar(
        select(func.count()).select_from(Message).where(
            Message.direction == "in", Message.channel == health.channel,
            Message.channel_account == health.account,
            Message.received_at > last - timedelta(hours=24), Message.received_at <= last)
    ) or 0)


def _alert(session: Session, now: datetime, key: str, text: str) -> str:
    enqueue(session, kind="alert", channel=ALERT_CHANNEL, target="control-room",
            payload={"text": text, "cause": key.split(":", 1)[0]}, idempotency_key=key, now=now)
    return key
