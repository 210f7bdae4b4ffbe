"""The figures a handler's dispositions feed, on SQLite and PostgreSQL: shares by partner (with
the routing policy's own shares) and monitored cases by beat, latest decision per case only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from beacon.cases.access import force_wide
from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.routing.case_disposition import Choice, monitored_cases_by_beat, set_case_disposition
from beacon.routing.disposition import Outcome
from beacon.routing.policy import load_policy
from beacon.routing.record import monitored_needs, shared_by_partner
from beacon.store.tables import Case, Message
from tests.builders import inbound
from tests.desk.desk_builders import add_case, force_id

ANN = Actor("user", None, "Ann")  # no user row needed: the decision's author is optional
BEATS = frozenset({"BH-03", "BH-05"})


def _decide(beacon: Beacon, case_id: int, choice: Choice, minutes_later: int = 0) -> None:
    with beacon.session_factory.begin() as session:
        case = session.get_one(Case, case_id)
        set_case_disposition(session, case, choice, ANN, load_policy(), BEATS,
                             beacon.clock.now() + timedelta(minutes=minutes_later))


def _cases(beacon: Beacon, count: int) -> list[int]:
    with beacon.session_factory.begin() as session:
        force = force_id(session)
        return [add_case(session, force, beacon.clock.now(), text=f"case {i}", priority="P3").id for i in range(count)]


def test_shares_are_counted_by_partner_with_the_policys_own(any_beacon: Beacon) -> None:
    [accepted] = any_beacon.ingest([inbound(text="I think it was a scam, they asked for my bank details")])
    with any_beacon.read_session_factory() as session:
        assert session.get_one(Message, accepted.message_id).disposition == "share"  # by the policy
    first, second = _cases(any_beacon, 2)
    _decide(any_beacon, first, Choice(Outcome.SHARE, "fraud", partner="action_fraud"))
    _decide(any_beacon, second, Choice(Outcome.SHARE, "bins", partner="council"))
    _decide(any_beacon, second, Choice(Outcome.CLOSE, "not the council's after all"), minutes_later=1)
    with any_beacon.read_session_factory() as session:
        force = force_id(session)
        shared = shared_by_partner(session, force_wide(force), any_beacon.clock.now() - timedelta(hours=1))
    assert shared == [("Action Fraud (national fraud reporting centre)", 2)]


def test_monitored_cases_count_on_their_beat_from_when_decided(any_beacon: Beacon) -> None:
    first, second, third = _cases(any_beacon, 3)
    _decide(any_beacon, first, Choice(Outcome.MONITOR, "helicopter", beat="BH-03", need="helicopter"))
    _decide(any_beacon, second, Choice(Outcome.MONITOR, "helicopter", beat="BH-03", need="helicopter"))
    _decide(any_beacon, third, Choice(Outcome.MONITOR, "noise", beat="BH-05"), minutes_later=-120)
    with any_beacon.read_session_factory() as session:
        force = force_id(session)
        since = any_beacon.clock.now() - timedelta(hours=1)
        by_beat = monitored_cases_by_beat(session, force_wide(force), since)
        needs = monitored_needs(session, force_wide(force), since)
        statuses = set(session.scalars(select(Case.status).where(Case.id.in_([first, second, third]))))
    assert by_beat == {"BH-03": 2}  # the third was decided before the window
    assert [(n.beat, n.need, n.count) for n in needs] == [("BH-03", "helicopter", 2)]
    assert statuses == {"closed"}
