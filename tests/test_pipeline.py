"""The stages after intake: triage, noise, people, routing and cases, run in process."""

from __future__ import annotations

from sqlalchemy import event, select

from beacon.bootstrap import Beacon
from beacon.store.tables import Case, CaseEntry, DeadLetter, Message
from tests.builders import inbound

PHONE = {"id": "+447700900123", "handle": "+447700900123", "name": "Sam"}


def _message(beacon: Beacon, message_id: int) -> Message:
    with beacon.read_session_factory() as session:
        return session.get_one(Message, message_id)


def _cases(beacon: Beacon) -> list[Case]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def test_p1_opens_a_case_with_a_readable_reference(beacon: Beacon) -> None:
    [accepted] = beacon.ingest([inbound(text="He has a knife", author=PHONE)])
    message = _message(beacon, accepted.message_id)
    assert (message.state, message.priority, message.disposition) == ("processed", "P1", "case")
    [case] = _cases(beacon)
    assert case.reference == "BC-261128-0001"
    assert (case.priority, case.status, case.category) == ("P1", "new", "violence")
    assert message.case_id == case.id


def test_second_message_from_same_person_attaches_to_open_case(beacon: Beacon) -> None:
    beacon.ingest([inbound(text="My bike was stolen", author=PHONE)])
    beacon.ingest([inbound(text="Now he has a knife", author=PHONE)])
    [case] = _cases(beacon)
    assert case.priority == "P1"  # raised by the more urgent message
    with beacon.read_session_factory() as session:
        entries = list(session.scalars(select(CaseEntry).where(CaseEntry.case_id == case.id)))
    assert [e.kind for e in entries] == ["message_in", "message_in"]
    assert "attached" in entries[1].data["reason"]


def test_p4_is_closed_with_a_reason_and_no_case(beacon: Beacon) -> None:
    [accepted] = beacon.ingest([inbound(text="Thanks for the great work tonight")])
    message = _message(beacon, accepted.message_id)
    assert message.disposition == "close" and "P4" in (message.disposition_reason or "")
    assert message.case_id is None and _cases(beacon) == []


def test_exact_shares_collapse_onto_the_stored_post(beacon: Beacon) -> None:
    beacon.ingest([inbound(channel="x", channel_account="@WestBurnPolice", provider_message_id="100",
                           author={"id": "1", "handle": "@WestBurnPolice"}, text="Missing: have you seen Amy? LS8 3QE")])
    for n in range(5):
        beacon.ingest([inbound(channel="x", channel_account="@WestBurnPolice", provider_message_id=f"2{n}",
                               author={"id": f"9{n}"}, text="RT", shared_of="100")])
    with beacon.read_session_factory() as session:
        original = session.scalar(select(Message).where(Message.provider_message_id == "100"))
        shares = list(session.scalars(select(Message).where(Message.shared_of == "100")))
    assert original is not None and original.share_count == 5
    assert {s.item_id for s in shares} == {original.id}
    assert {s.disposition for s in shares} == {"close"}


def test_a_failing_stage_keeps_the_message_as_a_dead_letter(beacon: Beacon) -> None:
    [accepted] = beacon.ingest([inbound(text="boom")])
    assert _message(beacon, accepted.message_id).state == "failed"
    with beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))
    assert letter.source == "pipeline" and "triage exploded" in letter.reason
    assert letter.message_id == accepted.message_id


def test_processing_twice_changes_nothing(beacon: Beacon) -> None:
    [accepted] = beacon.ingest([inbound(text="He has a knife", author=PHONE)])
    again = beacon.pipeline.process(accepted.message_id)
    assert again is not None and again.skipped
    assert len(_cases(beacon)) == 1


def test_a_message_from_a_known_author_takes_few_round_trips(beacon: Beacon) -> None:
    """Each statement costs more to build and send than SQLite takes to run it, so the pipeline's
    speed is its round trips: a known author's closed message took 14 before they were cut
    (transaction control not counted: whether BEGIN shows here depends on the pool). The noise
    log then added three (triage ahead and the log's cursor, once a batch; the log's row), and
    writing the message once instead of three times took two back: 12 for a batch of one."""
    beacon.ingest([inbound(text="Thanks for your help last week", author=PHONE)])
    [stored] = beacon.store([inbound(text="Thanks again, all sorted now", author=PHONE)])
    statements: list[str] = []

    def count(*args: object) -> None:
        if not str(args[2]).startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            statements.append(str(args[2]))

    event.listen(beacon.engine, "before_cursor_execute", count)
    beacon.pipeline.process(stored.message_id)
    event.remove(beacon.engine, "before_cursor_execute", count)
    assert _message(beacon, stored.message_id).disposition == "close"
    assert len(statements) <= 12, "\n".join(statements)
