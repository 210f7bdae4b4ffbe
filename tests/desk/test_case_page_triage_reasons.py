"""The case page says what set each message's grade ("Why P1: ...") and shows THRIVE where the
handler works; messages triaged before grade reasons existed fall back to their last rule; no raw
dictionary is ever printed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import CaseEntry, Message
from beacon.web.app import create_app
from beacon.web.triage_view import deciding_reason, thrive_rows
from tests.desk.desk_builders import add_case, force_id
from tests.test_http import PASSWORD, sign_in

RISK = {"threat": 0.9, "harm": 0.8, "risk": 0.95, "investigation": 0.4, "vulnerability": 0.0, "engagement": 0.2}
GRADE = {"kind": "grade", "priority": "P1", "decided_by": "harm_now", "score": None, "threshold": None,
         "detail": "harm_now: violence_weapons with a sign it is happening now"}
OLD_RULE = {"kind": "rule", "rule": "cannot_call_distress", "priority": "P1",
            "detail": "cannot_call_distress: cannot call safely and reports violence_weapons"}


def test_the_grade_reason_wins_then_the_last_rule_then_the_model() -> None:
    model = {"kind": "model", "detail": "model v2: Low 0.90"}
    assert deciding_reason({"reasons": [model, OLD_RULE, GRADE]}) == GRADE["detail"]
    assert deciding_reason({"reasons": [model, OLD_RULE]}) == OLD_RULE["detail"]
    assert deciding_reason({"reasons": [model]}) == model["detail"]
    assert deciding_reason({"reasons": [{"kind": "rule", "detail": {"raw": 1}}]}) is None
    assert deciding_reason(None) is None


def test_thrive_rows_are_in_thrive_order_with_their_values() -> None:
    assert [label for label, _ in thrive_rows({"risk": RISK})] == [
        "Threat", "Harm", "Risk", "Investigation", "Vulnerability", "Engagement"]
    assert thrive_rows({}) == []


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER,
                    display_name="Ann Handler")
    with TestClient(create_app(beacon)) as test_client:
        yield test_client


def _case(beacon: Beacon, reasons: list[dict]) -> int:
    with beacon.session_factory.begin() as session:
        case = add_case(session, force_id(session), beacon.clock.now() - timedelta(minutes=5),
                        text="he's outside with a knife right now", priority="P1", category="violence_weapons",
                        triage={"priority": "P1", "reasons": reasons, "risk": RISK, "vulnerabilities": []})
        message = session.scalars(select(Message).where(Message.case_id == case.id)).one()
        session.add(CaseEntry(case_id=case.id, kind="message_in", message_id=message.id, body=message.text,
                              created_at=message.created_at))
        return case.id


@pytest.mark.parametrize(("reasons", "expected"), [
    ([{"kind": "model", "detail": "model: High 0.7"}, GRADE], GRADE["detail"]),
    ([OLD_RULE], OLD_RULE["detail"]),
])
def test_the_case_page_says_why_and_shows_thrive(client: TestClient, beacon: Beacon,
                                                 reasons: list[dict], expected: str) -> None:
    case_id = _case(beacon, reasons)
    sign_in(client, "ann")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert f"Why P1:</strong> {expected}" in page.text
    assert "THRIVE risk breakdown" in page.text and "Threat" in page.text and "0.90" in page.text
    assert "{&#39;kind&#39;" not in page.text and "{'kind'" not in page.text
