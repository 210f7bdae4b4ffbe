"""Records for the route walk (tests/test_route_walk.py): one of every kind a route takes an id
of, in another force ("north") and in a restricted team of our force ("Child Protection") that
neither the handler nor the Safeguarding member is in.

Rows the pipeline does not make on its own (handovers, alerts, incidents, candidates, merges,
markers) are written directly: the walk tests who may reach them, not how they came to be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.cases.teams import add_member, add_team, set_restricted, team_named
from beacon.guidance.library import current_articles, seed_shipped
from beacon.staff.accounts import Role, create_user
from beacon.staff.api_tokens import Permission, issue_token
from beacon.staff.sessions import start_session
from beacon.store.forces import add_channel_account, create_force, force_by_slug
from beacon.store.tables import Case, Message
from beacon.store.tables_accounts import StaffSession
from beacon.store.tables_casework import Alert, Handover
from beacon.store.tables_noise import IncidentRow
from beacon.store.tables_people import PersonCandidate, PersonMarker, PersonMerge
from tests.casework.casework_builders import PASSWORD, case_from, staff

NORTH_SMS = "+447700900999"
ADMIN = Actor("system", None, "route walk")
SECRET = "Zebra-crossing-secret"  # the restricted case's words: no list may show them to outsiders


@dataclass
class Records:
    """One id per record kind, and the case's reference (for the list leak checks)."""

    ids: dict[str, int] = field(default_factory=dict)
    reference: str = ""


@dataclass
class WalkWorld:
    users: dict[str, int]  # role name -> user id
    north: Records  # another force's records
    hidden: Records  # our restricted team's records
    general_team: int = 0


def build_world(beacon: Beacon) -> WalkWorld:
    users = {"handler": staff(beacon, "hal"), "supervisor": staff(beacon, "sue", Role.SUPERVISOR),
             "admin": staff(beacon, "ada", Role.ADMIN), "member": staff(beacon, "sam")}
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        demo = force_by_slug(session, "demo").id
        set_restricted(session, team_named(session, demo, "Safeguarding"), True, ADMIN, now)
        add_member(session, team_named(session, demo, "Safeguarding"), "sam", ADMIN, now)
        child = add_team(session, demo, "Child Protection", True, ADMIN, now).id
        general = team_named(session, demo, "General").id
        north = create_force(session, "north", "North Force", "NF").id
        add_channel_account(session, north, "sms", NORTH_SMS)
    beacon.forces.reload()
    north_records = _records(beacon, north, None, text="North: he has a knife",
                             author="+447700900501", account=NORTH_SMS)
    hidden = _records(beacon, demo, child, text=f"{SECRET}: my stepfather has a knife",
                      author="+447700900502", account=None)
    with beacon.session_factory.begin() as session:
        seed_shipped(session, north, now)
        north_records.ids["guidance"] = int(current_articles(session, north)[0].id or 0)
        north_records.ids["api_token"] = issue_token(
            session, force_id=north, name="north gateway", permissions=[Permission.INTAKE],
            channel_accounts=[], actor=ADMIN, now=now).row.id
        # a North user, and a signed-in session of theirs: nobody in Demo may touch either
        north_user = create_user(session, force_slug="north", username="nora", password=PASSWORD,
                                 role=Role.HANDLER, display_name="North Officer")
        session.flush()
        north_records.ids["user"] = north_user.id
        north_records.ids["force"] = north
        start_session(session, north_user, now)
        north_records.ids["staff_session"] = int(session.scalar(
            select(StaffSession.id).where(StaffSession.user_id == north_user.id)) or 0)
    return WalkWorld(users, north_records, hidden, general)


def _records(beacon: Beacon, force_id: int, team_id: int | None, *, text: str, author: str,
             account: str | None) -> Records:
    overrides: dict[str, object] = {"author": {"id": author}}
    if account is not None:
        overrides.update(channel="sms", channel_account=account)
    case_id = case_from(beacon, text, **overrides)
    other_case = case_from(beacon, "A man is waving a knife at the station", author={"id": author + "1"},
                           **({"channel": "sms", "channel_account": account} if account else {}))
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        case = session.get_one(Case, case_id)
        if team_id is not None:
            case.team_id = team_id
        team = team_id or case.team_id or 0
        message = session.scalars(select(Message).where(Message.case_id == case_id)).one()
        person = message.person_id or 0
        other_person = session.scalars(select(Message.person_id).where(Message.case_id == other_case)).one() or 0
        rows = {
            "handover": Handover(force_id=force_id, team_id=team, drafted_at=now, outgoing_id=1, notes="",
                                 pack={"high_risk": [], "near_breach": [], "promises": []}),
            "alert": Alert(force_id=force_id, case_id=case_id, team_id=team, cause="p1", code=f"W{case_id}",
                           raised_at=now, next_step_at=now, notified=[]),
            "incident": IncidentRow(force_id=force_id, key=f"walk-{case_id}", title=text, first_message_id=message.id,
                                    first_at=now, last_at=now, messages=2, reports=2, case_id=case_id),
            "candidate": PersonCandidate(force_id=force_id, person_id=min(person, other_person),
                                         other_person_id=max(person, other_person), evidence=[], status="open",
                                         created_at=now),
            "merge": PersonMerge(force_id=force_id, survivor_id=other_person, absorbed_id=person, identity_ids=[],
                                 case_ids=[], marker_ids=[], basis="consent", reason="walk", by_name="walk",
                                 created_at=now),
            "marker": PersonMarker(force_id=force_id, person_id=person, kind="risk", value="walk", reason="walk",
                                   set_by_name="walk", created_at=now),
        }
        session.add_all(rows.values())
        session.flush()
        ids = {kind: row.id for kind, row in rows.items()}
        ids.update(case=case_id, message=message.id, person=person, team=team)
        return Records(ids, case.reference)
