"""A force's teams (queues): adding one, restricting it to its members, and who is in it.

Restricting a team is audited (object type `team`), and so is adding or removing a member:
both change who can see which citizens' cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.audit_events import record
from beacon.store.tables import Team, TeamMember, User


class TeamError(ValueError):
    """A team change that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class TeamRow:
    team: Team
    members: list[str]  # usernames: home team and added members


def team_named(session: Session, force_id: int, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.force_id == force_id, Team.name == name))
    if team is None:
        raise TeamError(f"the force has no team {name!r}")
    return team


def add_team(session: Session, force_id: int, name: str, restricted: bool, actor: Actor, now: datetime) -> Team:
    name = name.strip()
    if not name or len(name) > 100:
        raise TeamError("a team needs a name of 1 to 100 characters")
    if session.scalar(select(Team.id).where(Team.force_id == force_id, Team.name == name)) is not None:
        raise TeamError(f"team {name!r} already exists")
    team = Team(force_id=force_id, name=name, restricted=restricted)
    session.add(team)
    session.flush()
    record(session, actor, Action.CREATED, "team", team.id, force_id, now, "team added", {"restricted": restricted})
    return team


def set_restricted(session: Session, team: Team, restricted: bool, actor: Actor, now: datetime) -> None:
    if team.restricted == restricted:
        return
    team.restricted = restricted
    record(session, actor, Action.CHANGED, "team", team.id, team.force_id, now,
           "team restricted to its members" if restricted else "team open to the force",
           {"field": "restricted", "from": not restricted, "to": restricted})


def add_member(session: Session, team: Team, username: str, actor: Actor, now: datetime) -> None:
    user = _user_of_force(session, team.force_id, username)
    if user.team_id == team.id or session.get(TeamMember, (team.id, user.id)) is not None:
        return
    session.add(TeamMember(team_id=team.id, user_id=user.id, added_at=now))
    record(session, actor, Action.CHANGED, "team", team.id, team.force_id, now, "member added", {"user_id": user.id})


def remove_member(session: Session, team: Team, username: str, actor: Actor, now: datetime) -> None:
    user = _user_of_force(session, team.force_id, username)
    member = session.get(TeamMember, (team.id, user.id))
    if member is None:
        home = " (it is their home team: change it with the user's team)" if user.team_id == team.id else ""
        raise TeamError(f"{username} is not an added member of {team.name}{home}")
    session.delete(member)
    record(session, actor, Action.CHANGED, "team", team.id, team.force_id, now, "member removed", {"user_id": user.id})


def teams_of_force(session: Session, force_id: int) -> list[TeamRow]:
    teams = list(session.scalars(select(Team).where(Team.force_id == force_id).order_by(Team.name)))
    homes = session.execute(select(User.team_id, User.username).where(User.force_id == force_id))
    added = session.execute(select(TeamMember.team_id, User.username).join(User, User.id == TeamMember.user_id)
                            .where(User.force_id == force_id))
    members: dict[int, set[str]] = {}
    for team_id, username in [*homes, *added]:
        if team_id is not None:
            members.setdefault(team_id, set()).add(username)
    return [TeamRow(team, sorted(members.get(team.id, set()))) for team in teams]


def restricted_count(session: Session, force_id: int) -> int:
    return int(session.scalar(select(func.count(Team.id)).where(Team.force_id == force_id,
                                                                 Team.restricted.is_(True))) or 0)


def _user_of_force(session: Session, force_id: int, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.force_id != force_id:
        raise TeamError(f"the force has no user {username!r}")
    return user
