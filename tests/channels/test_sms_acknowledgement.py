"""An on-call officer answers an alert by SMS: the alert is acknowledged, no case is opened."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.cases.escalation import raise_alert
from beacon.cases.settings import shipped_casework
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import Case, Message
from beacon.store.tables_casework import Alert, StaffContact
from tests.builders import inbound
from tests.channels.signing import twilio_headers

OFFICER = "+447700900777"


def _sms(sender: str, text: str, sid: str) -> bytes:
    return urlencode({"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender,
                      "To": "+447700900100", "Body": text, "NumMedia": "0"}).encode()


def _open_p1_alert(beacon: Beacon) -> Alert:
    [accepted] = beacon.ingest([inbound(text="He has a knife", author={"id": "+447700900555"})])
    with beacon.session_factory.begin() as session:
        user = create_user(session, force_slug="demo", username="sam", password="on call tonight", role=Role.SUPERVISOR)
        session.add(StaffContact(user_id=user.id, phone=OFFICER, email="sam@force.invalid"))
        case = session.get_one(Case, session.get_one(Message, accepted.message_id).case_id)
        alert = raise_alert(session, shipped_casework(), case, "p1", beacon.clock.now())
        assert alert is not None
        session.expunge(alert)
        return alert


def test_an_ack_text_from_a_staff_phone_acknowledges_and_opens_no_case(chan_client: TestClient, chan_beacon: Beacon) -> None:
    alert = _open_p1_alert(chan_beacon)
    body = _sms(OFFICER, f"ACK {alert.code}", "SM" + "a" * 32)
    assert chan_client.post("/webhooks/twilio/sms", content=body, headers=twilio_headers(body)).status_code == 200
    with chan_beacon.read_session_factory() as session:
        assert session.get_one(Alert, alert.id).acknowledged_at is not None
        ack = session.scalars(select(Message).where(Message.author_id == OFFICER)).one()
        assert (ack.state, ack.case_id) == ("staff", None)  # kept, but not a citizen's contact
        assert len(session.scalars(select(Case)).all()) == 1


def test_the_same_words_from_a_citizen_are_a_citizens_message(chan_client: TestClient, chan_beacon: Beacon) -> None:
    alert = _open_p1_alert(chan_beacon)
    body = _sms("+447700900888", f"ACK {alert.code}", "SM" + "b" * 32)
    chan_client.post("/webhooks/twilio/sms", content=body, headers=twilio_headers(body))
    with chan_beacon.read_session_factory() as session:
        assert session.get_one(Alert, alert.id).acknowledged_at is None
        assert session.scalars(select(Message).where(Message.author_id == "+447700900888")).one().state == "processed"
