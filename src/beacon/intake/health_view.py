"""What `/admin/channels` shows, for one force: its accounts, the webhook routes, replies, alerts.

Accounts, replies and silence alerts are the force's own (by the messages' and replies' force).
Webhook routes and credentials are shared by the whole deployment: a delivery that fails its
signature belongs to no force yet, and the provider secrets are configured once. They carry
counts, codes and times only, never a citizen's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from beacon.config import Settings
from beacon.intake import health
from beacon.outbox.senders import sends_for_real
from beacon.store.tables_outbox import OutboxEntry

# The web form's replies go out by email (or SMS); its own account has no provider credentials.
REPLIES_VIA = {"webform": "email"}


@dataclass(frozen=True)
class AccountRow:
    channel: str
    account: str
    last_received_at: datetime | None
    received_24h: int
    credentials: str  # "configured", "log only (no credentials)" or "refused <time>"
    credentials_ok: bool


@dataclass(frozen=True)
class ChannelsOverview:
    accounts: list[AccountRow]
    routes: list[health.RouteHealth]
    replies: list[health.ReplyHealth]
    alerts: list[OutboxEntry]


def overview(session: Session, settings: Settings, now: datetime, force_id: int) -> ChannelsOverview:
    replies = health.replies(session, force_id)
    refused = {r.channel: r.credentials_failed_at for r in replies if r.credentials_failed_at}
    rows = [
        _account_row(settings, item, refused) for item in health.accounts(session, now, force_id)
    ]
    mine = {(row.channel, row.account) for row in rows}
    alerts = [a for a in health.recent_alerts(session) if _alert_is_for(a, mine)]
    return ChannelsOverview(rows, health.routes(session), replies, alerts)


def _account_row(
    settings: Settings, item: health.AccountHealth, refused: dict[str, datetime]
) -> AccountRow:
    via = REPLIES_VIA.get(item.channel, item.channel)
    failed_at = refused.get(via)
    if failed_at is not None:
        state, ok = f"refused {failed_at:%Y-%m-%d %H:%M} UTC", False
    elif sends_for_real(settings, via, item.account):
        state, ok = "configured", True
    else:
        state, ok = "log only (no credentials)", False
    if via != item.channel:
        state = f"replies by {via}: {state}"
    return AccountRow(item.channel, item.account, item.last_received_at, item.received_24h,
                      state, ok)


def _alert_is_for(alert: OutboxEntry, accounts: set[tuple[str, str]]) -> bool:
    """Silence alerts name an account (only its force sees it); credential alerts are shared."""
    parts = alert.idempotency_key.split(":")
    if parts[0] == "channel-silent" and len(parts) >= 3:
        return (parts[1], parts[2]) in accounts
    return True
