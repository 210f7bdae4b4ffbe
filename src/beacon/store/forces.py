"""Forces, teams and which force owns which channel account."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from beacon.store.tables import ChannelAccount, Force, Team

DEFAULT_TEAMS = ("General", "Safeguarding", "Roads")
DEFAULT_CASE_PREFIX = "BC"
# Letters only, as routing reads a reference back out of a citizen's text (routing/attach.py).
CASE_PREFIX = re.compile(r"[A-Z]{2,8}")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# How long a server trusts its copy of the account map: `beacon force account` in another
# process is seen within this time, and intake, a hot path, still reads the table rarely.
DIRECTORY_TTL_SECONDS = 30.0


class ForceError(ValueError):
    """A force or channel account that cannot be created as asked; the message says why."""


class ForceDirectory:
    """Maps a channel account to its force; unmapped accounts go to the default force.

    Cached for DIRECTORY_TTL_SECONDS: forces and accounts change rarely and intake is a hot path.
    """

    def __init__(self, session_factory: sessionmaker[Session], default_slug: str) -> None:
        self._session_factory = session_factory
        self._default_slug = default_slug
        self._accounts: dict[tuple[str, str], int] | None = None
        self._default_id: int | None = None
        self._loaded_at = 0.0

    def force_for(self, channel: str, account: str) -> int:
        if self._accounts is None or time.monotonic() - self._loaded_at > DIRECTORY_TTL_SECONDS:
            self.reload()
        assert self._accounts is not None
        found = self._accounts.get((channel, account))
        if found is not None:
            return found
        if self._default_id is None:
            raise LookupError(f"default force {self._default_slug!r} does not exist; run migrate")
        return self._default_id

    def reload(self) -> None:
        with self._session_factory() as session:
            rows = session.execute(
                select(ChannelAccount.channel, ChannelAccount.account, ChannelAccount.force_id)
            )
            self._accounts = {(c, a): f for c, a, f in rows}
            self._default_id = session.scalar(select(Force.id).where(Force.slug == self._default_slug))
        self._loaded_at = time.monotonic()


def create_force(session: Session, slug: str, name: str, case_prefix: str) -> Force:
    """A new force with its default teams; its slug and case prefix must be free."""
    prefix = case_prefix.strip().upper()
    if not SLUG.fullmatch(slug):
        raise ForceError(f"slug {slug!r}: lower-case letters, digits and '-', up to 64")
    if not CASE_PREFIX.fullmatch(prefix):
        raise ForceError(f"case prefix {case_prefix!r}: 2 to 8 letters A-Z")
    if not name.strip():
        raise ForceError("a force needs a name")
    if session.scalar(select(Force.id).where(Force.slug == slug)) is not None:
        raise ForceError(f"force {slug!r} already exists")
    holder = session.scalar(select(Force.slug).where(Force.case_prefix == prefix))
    if holder is not None:
        raise ForceError(f"case prefix {prefix} is already force {holder!r}'s")
    force = Force(slug=slug, name=name.strip(), case_prefix=prefix)
    session.add(force)
    session.flush()
    session.add_all(Team(force_id=force.id, name=team) for team in DEFAULT_TEAMS)
    session.flush()
    return force


def ensure_force(session: Session, slug: str, name: str, case_prefix: str = DEFAULT_CASE_PREFIX) -> Force:
    """Find or create a force with its default teams (the prefix only counts when creating)."""
    force = session.scalar(select(Force).where(Force.slug == slug))
    return force if force is not None else create_force(session, slug, name, case_prefix)


def force_by_slug(session: Session, slug: str) -> Force:
    force = session.scalar(select(Force).where(Force.slug == slug))
    if force is None:
        raise ForceError(f"no force {slug!r}")
    return force


def forces_with_account_counts(session: Session) -> list[tuple[Force, int]]:
    """Every force, oldest first, with how many channel accounts it owns."""
    counts = (select(ChannelAccount.force_id, func.count().label("n"))
              .group_by(ChannelAccount.force_id).subquery())
    rows = session.execute(
        select(Force, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.force_id == Force.id)
        .order_by(Force.id)
    )
    return [(force, int(n)) for force, n in rows]


def channel_accounts_of(session: Session, force_id: int) -> list[ChannelAccount]:
    return list(session.scalars(
        select(ChannelAccount).where(ChannelAccount.force_id == force_id)
        .order_by(ChannelAccount.channel, ChannelAccount.account)
    ))


def add_channel_account(session: Session, force_id: int, channel: str, account: str) -> ChannelAccount:
    """Give a force a channel account; one another force owns is refused, never taken over."""
    owner = session.scalar(
        select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.account == account)
    )
    if owner is not None:
        if owner.force_id == force_id:
            return owner
        slug = session.scalar(select(Force.slug).where(Force.id == owner.force_id))
        raise ForceError(f"{channel} account {account!r} belongs to force {slug!r}")
    mapped = ChannelAccount(force_id=force_id, channel=channel, account=account)
    session.add(mapped)
    session.flush()
    return mapped


def remove_channel_account(session: Session, force_id: int, channel: str, account: str) -> None:
    mapped = session.scalar(select(ChannelAccount).where(
        ChannelAccount.force_id == force_id, ChannelAccount.channel == channel,
        ChannelAccount.account == account))
    if mapped is None:
        raise ForceError(f"the force has no {channel} account {account!r}")
    session.delete(mapped)


def team_id(session: Session, force_id: int, name: str) -> int | None:
    return session.scalar(select(Team.id).where(Team.force_id == force_id, Team.name == name))


def map_channel_account(session: Session, force_id: int, channel: str, account: str) -> None:
    existing = session.scalar(
        select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.account == account)
    )
    if existing is None:
        session.add(ChannelAccount(force_id=force_id, channel=channel, account=account))
    else:
        existing.force_id = force_id
