"""A force's teams (queues): adding one, restricting it to its members, who is in it, a user's
home team, and whether the force's figures hide restricted teams' cases.

What `beacon team ...`, `beacon user team` and `/admin/teams` call. Every change is audited
(object type `team`, `user` or `force`): each changes who can see which citizens' cases. A
change that leaves someone holding a case they can no longer see hands it back to its queue
(as `assignment.move_to_team` does), so a restricted case is never held by someone it is
hidden from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.log import Action, Actor
from beacon.cases.access import access_of
from beacon.cases.assignment import assign
from beacon.cases.audit_events import record
from beacon.cases.lifecycle import OPEN_STATUSES
from beacon.store.tables import Case, Force, Team, TeamMember, User


class TeamError(ValueError):
    """A team change that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class TeamMemberRow:
    user_id: int
    username: str
    home: bool  # their home team (changed with the user), not an added membership


@dataclass(frozen=True)
class TeamRow:
    team: Team
    people: list[TeamMemberRow]  # home team and added members, by username

    @property
    def members(self) -> list[str]:
        return [p.username for p in self.people]


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
    if restricted:
        release_unseen_cases(session, team.force_id, actor, now, f"{team.name} restricted to its members",
                             team_id=team.id)


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
    session.flush()
    record(session, actor, Action.CHANGED, "team", team.id, team.force_id, now, "member removed", {"user_id": user.id})
    release_unseen_cases(session, team.force_id, actor, now, f"no longer in {team.name}", user_id=user.id)


def set_home_team(session: Session, force_id: int, username: str, team_name: str | None, actor: Actor,
                  now: datetime) -> User:
    """A user's home team (their queue; it counts as membership). None: no home team."""
    user = _user_of_force(session, force_id, username)
    team = team_named(session, force_id, team_name) if team_name else None
    before = user.team_id
    if before == (team.id if team else None):
        return user
    user.team_id = team.id if team else None
    session.flush()
    record(session, actor, Action.CHANGED, "user", user.id, force_id, now,
           f"home team set to {team.name}" if team else "home team removed",
           {"field": "team", "from": before, "to": user.team_id})
    release_unseen_cases(session, force_id, actor, now, "home team changed", user_id=user.id)
    return user


def set_figures_hide_restricted(session: Session, force_id: int, hide: bool, actor: Actor, now: datetime) -> None:
    """Whether the force's figures (the control room, its CSV, the shift report, monitored
    needs) leave restricted teams' cases out for who may not see them (beacon.insight.scope)."""
    force = session.get_one(Force, force_id)
    if force.hide_restricted_in_figures == hide:
        return
    force.hide_restricted_in_figures = hide
    record(session, actor, Action.CHANGED, "force", force.id, force.id, now,
           "restricted teams' cases left out of figures for who may not see them" if hide
           else "restricted teams' cases counted in every figure",
           {"field": "hide_restricted_in_figures", "from": not hide, "to": hide})


def release_unseen_cases(session: Session, force_id: int, actor: Actor, now: datetime, why: str, *,
                         user_id: int | None = None, team_id: int | None = None) -> int:
    """Open cases (of `user_id`, or in `team_id`) held by someone who may no longer see them go
    back to their queue; returns how many."""
    query = select(Case).where(Case.force_id == force_id, Case.assignee_id.is_not(None),
                               Case.status.in_([s.value for s in OPEN_STATUSES]))
    if user_id is not None:
        query = query.where(Case.assignee_id == user_id)
    if team_id is not None:
        query = query.where(Case.team_id == team_id)
    released = 0
    for case in session.scalars(query).all():
        holder = session.get_one(User, case.assignee_id)
        if not access_of(session, holder).sees_case(case):
            assign(session, case, None, actor, f"{why}: the holder may no longer see it", now)
            released += 1
    return released


def teams_of_force(session: Session, force_id: int) -> list[TeamRow]:
    teams = list(session.scalars(select(Team).where(Team.force_id == force_id).order_by(Team.name)))
    homes = session.execute(select(User.team_id, User.id, User.username).where(User.force_id == force_id))
    added = session.execute(select(TeamMember.team_id, User.id, User.username)
                            .join(User, User.id == TeamMember.user_id).where(User.force_id == force_id))
    people: dict[int, dict[int, TeamMemberRow]] = {}
    for team_id, user_id, username in added:
        people.setdefault(team_id, {})[user_id] = TeamMemberRow(user_id, username, home=False)
    for team_id, user_id, username in homes:
        if team_id is not None:
            people.setdefault(team_id, {})[user_id] = TeamMemberRow(user_id, username, home=True)
    return [TeamRow(team, sorted(people.get(team.id, {}).values(), key=lambda p: p.username)) for team in teams]


def restricted_count(session: Session, force_id: int) -> int:
    return int(session.scalar(select(func.count(Team.id)).where(Team.force_id == force_id,
                                                                 Team.restricted.is_(True))) or 0)


def _user_of_force(session: Session, force_id: int, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.force_id != force_id:
        raise TeamError(f"the force has no user {username!r}")
    return user
