"""Records for the search tests: in our force a case anyone may find, a restricted
Safeguarding case (with its message and its author) that only Safeguarding's members and the
supervisors may find, and another force's case that nobody here may find."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.access import Access, access_of
from beacon.cases.teams import add_member, set_restricted, team_named
from beacon.staff.accounts import Role
from beacon.store.forces import add_channel_account, create_force
from beacon.store.tables import Case, Message, User
from tests.casework.casework_builders import case_from, staff

SYSTEM = Actor("system", None, "search test")
NORTH_SMS = "+447700900999"
OPEN_AUTHOR, HIDDEN_AUTHOR, NORTH_AUTHOR = "+447700900123", "+447700900456", "+447700900789"


@dataclass(frozen=True)
class Found:
    case_id: int
    reference: str
    message_id: int
    person_id: int


@dataclass(frozen=True)
class SearchWorld:
    open: Found  # General's: "someone is on the stairs with a knife"
    hidden: Found  # restricted Safeguarding's: "my stepfather has a knife, Ostrich lane"
    north: Found  # North Force's: "a knife again, Ostrich lane"


def found(beacon: Beacon, case_id: int) -> Found:
    with beacon.read_session_factory() as session:
        case = session.get_one(Case, case_id)
        message = session.scalars(select(Message).where(Message.case_id == case_id)).first()
        assert message is not None and message.person_id is not None
        return Found(case_id, case.reference, message.id, message.person_id)


def build(beacon: Beacon) -> SearchWorld:
    """Staff: hal (General handler), sam (Safeguarding member), sue (supervisor)."""
    staff(beacon, "hal")
    staff(beacon, "sam")
    staff(beacon, "sue", Role.SUPERVISOR)
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        safeguarding = team_named(session, 1, "Safeguarding")
        set_restricted(session, safeguarding, True, SYSTEM, now)
        add_member(session, safeguarding, "sam", SYSTEM, now)
        north = create_force(session, "north", "North Force", "NF").id
        add_channel_account(session, north, "sms", NORTH_SMS)
    beacon.forces.reload()
    opened = case_from(beacon, "Someone is on the stairs with a knife, please hurry",
                       author={"id": OPEN_AUTHOR, "name": "Dan Wilson"})
    hidden = case_from(beacon, "My stepfather has a knife, Ostrich lane, quote WB-46103-25",
                       author={"id": HIDDEN_AUTHOR, "name": "Kim Hidden"})
    with beacon.session_factory.begin() as session:
        session.get_one(Case, hidden).team_id = team_named(session, 1, "Safeguarding").id
    northern = case_from(beacon, "A knife again on Ostrich lane", channel_account=NORTH_SMS,
                         author={"id": NORTH_AUTHOR, "name": "Nora North"})
    return SearchWorld(found(beacon, opened), found(beacon, hidden), found(beacon, northern))


def access_for(beacon: Beacon, username: str) -> Access:
    with beacon.read_session_factory() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return access_of(session, user)
