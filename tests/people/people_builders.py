"""Helpers for the people and routing tests: ingest, look up, and a triage that knows places."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.store.tables import Case, Message
from beacon.triage.result import TriageResult
from tests.builders import inbound
from tests.fakes import KeywordTriage


def send(beacon: Beacon, **overrides: Any) -> Message:
    """Ingest one message and return it as stored after the pipeline."""
    message = inbound(**overrides)
    beacon.ingest([message])
    with beacon.read_session_factory() as session:
        stored = session.scalars(
            select(Message).where(Message.provider_message_id == message.provider_message_id)
        ).one()
        session.expunge(stored)
    return stored


def case_of(beacon: Beacon, message: Message) -> Case:
    with beacon.read_session_factory() as session:
        assert message.case_id is not None
        case = session.get_one(Case, message.case_id)
        session.expunge(case)
    return case


class PlacedTriage(KeywordTriage):
    """The keyword fake, plus a place on beat 'BN-CEN' so monitoring can be counted by beat."""

    def triage(self, text: str, *, language: str | None = None, place: Any = None) -> TriageResult:
        result = super().triage(text, language=language, place=place)
        data = result.to_dict() | {"place": {"beat": "BN-CEN", "postcode": None}}
        return TriageResult(**data)
