"""Forces, teams and which force owns which channel account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beacon.store.tables import ChannelAccount, Force, Team

DEFAULT_TEAMS = ("General", "Safeguarding", "Roads")


class ForceDirectory:
    """Maps a channel account to its force; unmapped accounts go to the default force.

    Read once and cached: forces and accounts change rarely and intake is a hot path.
    """

    def __init__(self, session_factory: sessionmaker[Session], default_slug: str) -> None:
        self._session_factory = session_factory
        self._default_slug = default_slug
        self._accounts: dict[tuple[str, str], int] | None = None
        self._default_id: int | None = None

    def force_for(self, channel: str, account: str) -> int:
        if self._accounts is None:
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


def ensure_force(session: Session, slug: str, name: str, case_prefix: str = "BC") -> Force:
    """Find or create a force with its default teams."""
    force = session.scalar(select(Force).where(Force.slug == slug))
    if force is None:
        force = Force(slug=slug, name=name, case_prefix=case_prefix)
        session.add(force)
        session.flush()
        session.add_all(Team(force_id=force.id, name=team) for team in DEFAULT_TEAMS)
        session.flush()
    return force


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
