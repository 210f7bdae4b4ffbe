"""Attach instead of duplicate: by case reference, by a quoted crime number, by person, by incident."""

from __future__ import annotations

from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.cases.lifecycle import Status, change_status
from beacon.store.forces import ensure_force
from beacon.store.tables import Case, CaseEntry
from tests.people.people_builders import case_of, send


def _cases(beacon: Beacon) -> int:
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count(Case.id))) or 0)


def _close(beacon: Beacon, case_id: int) -> None:
    with beacon.session_factory.begin() as session:
        change_status(session, session.get_one(Case, case_id), Status.CLOSED, None, beacon.clock.now())


def test_a_message_carrying_an_open_cases_reference_joins_it(beacon: Beacon) -> None:
    first = send(beacon, author={"id": "+447700900401"}, text="my bike was stolen from the station")
    reference = case_of(beacon, first).reference
    later = send(beacon, channel="email", channel_account="contact@force.uk", author={"id": "a@example.org"},
                 text=f"Re: {reference.lower()} the CCTV should show it")
    assert later.case_id == first.case_id and later.disposition == "case"
    with beacon.read_session_factory() as session:
        entry = session.scalars(select(CaseEntry).where(CaseEntry.message_id == later.id)).one()
    assert entry.data == {"reason": f"attached: carries the case reference {reference} {reference}"}
    assert _cases(beacon) == 1


def test_a_closed_cases_reference_opens_a_new_case(beacon: Beacon) -> None:
    first = send(beacon, author={"id": "+447700900402"}, text="my bike was stolen")
    reference = case_of(beacon, first).reference
    _close(beacon, first.case_id or 0)
    later = send(beacon, author={"id": "+447700900403"}, text=f"{reference}: now my car was stolen too")
    assert later.case_id not in (None, first.case_id)


def test_another_forces_reference_is_not_followed(beacon: Beacon) -> None:
    with beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
    first = send(beacon, author={"id": "+447700900404"}, text="my bike was stolen")
    reference = case_of(beacon, first).reference
    with beacon.session_factory.begin() as session:  # make the case belong to another force
        session.get_one(Case, first.case_id).force_id = 2
    later = send(beacon, author={"id": "+447700900405"}, text=f"{reference} my car was stolen")
    assert later.case_id != first.case_id


def test_a_crime_number_quoted_again_finds_the_case(beacon: Beacon) -> None:
    first = send(beacon, channel="facebook", channel_account="104857392011563", author={"id": "1032789488293691"},
                 text="my bike got stolen tonight, i reported it online and got ref wb-46103-25")
    later = send(beacon, channel="email", channel_account="contact@force.uk", author={"id": "danw18@example.org"},
                 text="Further to my Facebook message last night: crime reference WB-46103-25. CCTV?")
    assert later.case_id == first.case_id and later.disposition == "case"
    assert "quotes WB-46103-25" in (later.disposition_reason or "") or later.case_id == first.case_id


def test_same_persons_follow_up_joins_their_open_case_even_at_p4(beacon: Beacon) -> None:
    first = send(beacon, channel="whatsapp", channel_account="109876543210987", author={"id": "+447700900333"},
                 text="he has a knife, 4 Elm Grove")
    chaser = send(beacon, channel="sms", author={"id": "07700 900333"}, text="please hurry he's on the stairs")
    assert chaser.person_id == first.person_id
    assert (chaser.disposition, chaser.case_id) == ("case", first.case_id)
    assert "open case" in (chaser.disposition_reason or "")
    assert _cases(beacon) == 1


def test_a_stranger_with_nothing_in_common_gets_a_new_case(beacon: Beacon) -> None:
    first = send(beacon, author={"id": "+447700900406"}, text="my bike was stolen from Mill Lane")
    other = send(beacon, author={"id": "+447700900407"}, text="my laptop was stolen from my car on Park Road")
    assert None not in (first.case_id, other.case_id) and first.case_id != other.case_id


# --- an incident's case is joined only on strong evidence (routing/incident_join.py) ----------

def test_look_alike_reports_on_different_streets_get_their_own_cases(beacon: Beacon) -> None:
    first = send(beacon, author={"id": "+447700900501"}, text="Our shed on Rossendale Road was broken into, two bikes stolen")
    other = send(beacon, author={"id": "+447700900502"}, text="Our shed on Yorkshire Street was broken into, two bikes stolen")
    assert first.incident_id == other.incident_id  # the noise stage groups them: one thing talked about
    assert None not in (first.case_id, other.case_id) and first.case_id != other.case_id


def test_a_report_of_the_same_place_soon_after_joins_with_its_reason(beacon: Beacon) -> None:
    first = send(beacon, author={"id": "+447700900503"}, text="Car window smashed on Mill Lane, stuff stolen")
    other = send(beacon, author={"id": "+447700900504"}, text="Someone smashed a car window on Mill Lane, a bag stolen")
    assert first.incident_id == other.incident_id and other.case_id == first.case_id
    with beacon.read_session_factory() as session:
        reason = session.scalars(select(CaseEntry.data).where(CaseEntry.message_id == other.id)).one()["reason"]
    assert reason.startswith("attached: same incident, same category")


def test_places_conflict_only_when_both_are_known_and_differ() -> None:
    from beacon.routing.incident_join import Where, conflict, streets_in

    assert streets_in("outside 4 Elm Grove and near Mill Ln") == {"elm grove", "mill lane"}
    case, same, other, unknown = Where(), Where(), Where(), Where()
    case.streets, case.beats, case.names, case.text = {"mill lane"}, {"BH-TC"}, {"weavers arms"}, "weavers arms"
    same.streets, same.names, same.text = {"mill lane"}, {"hargreaves street"}, "closed outside the weavers arms"
    other.beats = {"BH-RG"}
    assert conflict(case, same) is None and conflict(case, unknown) is None
    assert conflict(case, other) == "different beat"
