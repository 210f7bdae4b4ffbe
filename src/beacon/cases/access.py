"""Who may see which record: the force is a wall, and a restricted team is a wall inside it.

A restricted team's cases (a safeguarding team's domestic-abuse cases) are seen only by the
team's members and by the force's supervisors and admins. To anyone else such a case, its
messages, and a person known to the force only through such cases do not exist: every lookup
here raises `Hidden`, exactly as for another force's record or an id that was never used, and
the web layer answers all three with the same 404 (and records the refusal).

Lists use `visible_cases` so that counts and rows never name a hidden case. Aggregate figures
(the control room's totals) leave hidden cases out only where the force says so
(`counted_access`, used by beacon.insight.scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import Session, aliased

from beacon.store.tables import Case, Force, Message, Person, Team, TeamMember, User
from beacon.store.tables_casework import Alert, Handover

SEEING_EVERY_TEAM = frozenset({"supervisor", "admin"})
NOT_FOUND, OTHER_FORCE, RESTRICTED_TEAM = "not_found", "other_force", "restricted_team"


@dataclass(frozen=True)
class Access:
    """What one user may see: their force, and the restricted teams of it they are not in."""

    force_id: int
    user_id: int
    role: str
    teams: frozenset[int]  # the teams they are a member of (home team included)
    hidden_teams: frozenset[int]  # the force's restricted teams they may not see

    def sees_team(self, team_id: int | None) -> bool:
        return team_id is None or team_id not in self.hidden_teams

    def sees_case(self, case: Case) -> bool:
        return case.force_id == self.force_id and self.sees_team(case.team_id)


def force_wide(force_id: int) -> Access:
    """The whole force's view, for the system's own work (ticks, benches), never a person's."""
    return Access(force_id, 0, "system", frozenset(), frozenset())


class Hidden(LookupError):
    """The record is not for this user: none such, another force's, or a restricted team's.
    `why` is for the audit log only; the user is told the same thing in all three cases."""

    def __init__(self, kind: str, ident: int | str, why: str) -> None:
        super().__init__(f"no {kind} {ident}")
        self.kind, self.ident, self.why = kind, ident, why


RowT = TypeVar("RowT")


def in_force(row: RowT | None, access: Access, kind: str, ident: int) -> RowT:
    """None such, or another force's: the first wall of every record (and the only one for
    records with no team, a guidance article or an API token)."""
    if row is None:
        raise Hidden(kind, ident, NOT_FOUND)
    if row.force_id != access.force_id:
        raise Hidden(kind, ident, OTHER_FORCE)
    return row


def member_teams(session: Session, user_id: int) -> frozenset[int]:
    home = session.scalar(select(User.team_id).where(User.id == user_id))
    extra = session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id))
    return frozenset([*extra, *([home] if home is not None else [])])


def access_of(session: Session, user: User) -> Access:
    teams = member_teams(session, user.id)
    hidden: frozenset[int] = frozenset()
    if user.role not in SEEING_EVERY_TEAM:
        restricted = session.scalars(select(Team.id).where(Team.force_id == user.force_id, Team.restricted.is_(True)))
        hidden = frozenset(restricted) - teams
    return Access(user.force_id, user.id, user.role, teams, hidden)


def visible_cases(access: Access) -> Any:
    """A condition on `Case`: the force's cases this user may see."""
    if not access.hidden_teams:
        return Case.force_id == access.force_id
    return and_(Case.force_id == access.force_id,
                or_(Case.team_id.is_(None), Case.team_id.not_in(sorted(access.hidden_teams))))


def visible_messages(access: Access) -> Any:
    """A condition on `Message`: the force's messages in no case, or in a case this user sees."""
    if not access.hidden_teams:
        return Message.force_id == access.force_id
    # An alias, so the test does not correlate with a query that joins `Case` itself.
    held = aliased(Case)
    in_hidden_case = exists().where(held.id == Message.case_id, held.team_id.in_(sorted(access.hidden_teams)))
    return and_(Message.force_id == access.force_id, ~in_hidden_case)


def of_visible_case(case_id: Any, access: Access) -> Any:
    """A condition on a row naming a case by `case_id` (an SLA clock, a disposition): no case,
    or one this user may see."""
    if not access.hidden_teams:
        return true()
    hidden = select(Case.id).where(Case.force_id == access.force_id, Case.team_id.in_(sorted(access.hidden_teams)))
    return or_(case_id.is_(None), case_id.not_in(hidden))


def counted_access(session: Session, access: Access) -> Access:
    """Whose cases the force's figures (counts, not rows) take in for this user: their own view
    when the force hides restricted teams from figures, else the whole force's (the default:
    demand planning sees every contact, and every role already saw these totals)."""
    hides = session.scalar(select(Force.hide_restricted_in_figures).where(Force.id == access.force_id))
    return access if hides else force_wide(access.force_id)


def case_for(session: Session, access: Access, case_id: int) -> Case:
    case = in_force(session.get(Case, case_id), access, "case", case_id)
    if not access.sees_team(case.team_id):
        raise Hidden("case", case_id, RESTRICTED_TEAM)
    return case


def message_for(session: Session, access: Access, message_id: int) -> Message:
    message = in_force(session.get(Message, message_id), access, "message", message_id)
    if message.case_id is not None and not access.sees_team(session.scalar(
            select(Case.team_id).where(Case.id == message.case_id))):
        raise Hidden("message", message_id, RESTRICTED_TEAM)
    return message


def person_for(session: Session, access: Access, person_id: int) -> Person:
    """A person known to the force only through cases this user may not see is hidden too:
    that they wrote to a safeguarding team at all is what must not leak."""
    person = in_force(session.get(Person, person_id), access, "person", person_id)
    if person_is_hidden(session, access, person_id):
        raise Hidden("person", person_id, RESTRICTED_TEAM)
    return person


def person_is_hidden(session: Session, access: Access, person_id: int) -> bool:
    if not access.hidden_teams:
        return False
    return bool(session.scalar(select(exists().where(Person.id == person_id, ~_seen_through_teams(access)))))


def visible_persons(access: Access) -> Any:
    """A condition on `Person`: the force's persons this user may see (lists, search)."""
    if not access.hidden_teams:
        return Person.force_id == access.force_id
    return and_(Person.force_id == access.force_id, _seen_through_teams(access))


def _seen_through_teams(access: Access) -> Any:
    """Hidden is a person with a case in a team this user may not see, and no case or message
    this user may see."""
    in_hidden = exists().where(Case.person_id == Person.id, Case.team_id.in_(sorted(access.hidden_teams)))
    seen_case = exists().where(Case.person_id == Person.id, visible_cases(access))
    seen_message = exists().where(Message.person_id == Person.id, visible_messages(access))
    return or_(~in_hidden, seen_case, seen_message)


def team_for(session: Session, access: Access, team_id: int) -> Team:
    team = in_force(session.get(Team, team_id), access, "team", team_id)
    if not access.sees_team(team.id):
        raise Hidden("team", team_id, RESTRICTED_TEAM)
    return team


def user_for(session: Session, access: Access, user_id: int) -> User:
    """A colleague in the asker's force (the admins' pages change users by id)."""
    return in_force(session.get(User, user_id), access, "user", user_id)


def force_for(session: Session, access: Access, force_id: int) -> Force:
    """A force is a record of its own: another force is as unknown as one that does not exist."""
    force = session.get(Force, force_id)
    if force is None:
        raise Hidden("force", force_id, NOT_FOUND)
    if force.id != access.force_id:
        raise Hidden("force", force_id, OTHER_FORCE)
    return force


def alert_for(session: Session, access: Access, alert_id: int) -> Alert:
    alert = in_force(session.get(Alert, alert_id), access, "alert", alert_id)
    if not access.sees_team(session.scalar(select(Case.team_id).where(Case.id == alert.case_id))):
        raise Hidden("alert", alert_id, RESTRICTED_TEAM)
    return alert


def handover_for(session: Session, access: Access, handover_id: int) -> Handover:
    """A handover pack names its queue's cases: a restricted queue's pack is hidden with them."""
    handover = in_force(session.get(Handover, handover_id), access, "handover", handover_id)
    if not access.sees_team(handover.team_id):
        raise Hidden("handover", handover_id, RESTRICTED_TEAM)
    return handover


def who_may_see(session: Session, case: Case, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` (in order) who may see the case: alerts and automatic assignment
    reach only them, so a force-wide shift is not told of a restricted team's case."""
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
    return [i for i in user_ids if i in users and access_of(session, users[i]).sees_case(case)]
