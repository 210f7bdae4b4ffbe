"""Managing forces and their channel accounts: what `beacon force ...` and `/admin/forces` call.

The rules are beacon.store.forces' (a slug and a case prefix of the force's own, an account owned
by one force only, never taken over); this adds checking what a person typed and the audit log
(object type `force`): a channel account decides which force receives a citizen's messages.

Who may do what from the browser (the command line is the operator's, with the database):
an admin of the installation's own force (BEACON_DEFAULT_FORCE, the one `beacon migrate`
creates) sees every force and creates forces; every admin manages their own force's channel
accounts, and another force's accounts are as unknown to them as any other force's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.audit_events import record
from beacon.messages import Channel
from beacon.store.forces import (
    ForceError,
    add_channel_account,
    channel_accounts_of,
    create_force,
    forces_with_account_counts,
    remove_channel_account,
)
from beacon.store.tables import ChannelAccount, Force

ACCOUNT_LIMIT = 256  # channel_accounts.account


@dataclass(frozen=True)
class ForceRow:
    force: Force
    accounts: int


def add_force(session: Session, slug: str, name: str, case_prefix: str, actor: Actor, now: datetime) -> Force:
    """A new force with its default teams and its own case prefix; audited."""
    force = create_force(session, slug.strip(), name.strip() or slug.strip().replace("-", " ").title(), case_prefix)
    record(session, actor, Action.CREATED, "force", force.id, force.id, now, "force added",
           {"slug": force.slug, "case_prefix": force.case_prefix})
    return force


def add_account(session: Session, force: Force, channel: str, account: str, actor: Actor,
                now: datetime) -> ChannelAccount:
    """Give the force a channel account; one it already has is no change (and no event)."""
    channel, account = _checked(channel, account)
    known = {(a.channel, a.account) for a in channel_accounts_of(session, force.id)}
    mapped = add_channel_account(session, force.id, channel, account)
    if (channel, account) not in known:
        record(session, actor, Action.CHANGED, "force", force.id, force.id, now, "channel account added",
               {"channel": channel, "account": account})
    return mapped


def remove_account(session: Session, force: Force, channel: str, account: str, actor: Actor, now: datetime) -> None:
    """Take a channel account from the force: its deliveries then go to the default force."""
    channel, account = _checked(channel, account)
    remove_channel_account(session, force.id, channel, account)
    record(session, actor, Action.CHANGED, "force", force.id, force.id, now, "channel account removed",
           {"channel": channel, "account": account})


def forces_for(session: Session, force: Force, default_slug: str) -> list[ForceRow]:
    """The forces a person of `force` may see on the page: every one for the installation's own
    force, else just their own."""
    rows = [ForceRow(f, n) for f, n in forces_with_account_counts(session)]
    return rows if manages_forces(force, default_slug) else [r for r in rows if r.force.id == force.id]


def manages_forces(force: Force, default_slug: str) -> bool:
    return force.slug == default_slug


def _checked(channel: str, account: str) -> tuple[str, str]:
    try:
        known = Channel(channel.strip())
    except ValueError:
        raise ForceError(f"no channel {channel!r}; one of {', '.join(c.value for c in Channel)}") from None
    account = account.strip()
    if not account or len(account) > ACCOUNT_LIMIT:
        raise ForceError(f"a channel account needs 1 to {ACCOUNT_LIMIT} characters")
    return known.value, account
