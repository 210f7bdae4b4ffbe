"""Identities: strong keys link channels automatically; handles and names never do."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from beacon.bootstrap import Beacon
from beacon.people.normalise import Key, keys_in_text, normalise_email, normalise_phone, strong_keys
from beacon.store.tables import Identity, Person
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_people import IdentityKey
from tests.people.people_builders import send

WHATSAPP = {"channel": "whatsapp", "channel_account": "109876543210987"}


@pytest.mark.parametrize(
    "raw", ["+447700900123", "07700 900123", "+44 (0)7700 900123", "447700900123", "whatsapp:+447700900123"]
)
def test_uk_numbers_in_any_format_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw.removeprefix("whatsapp:")) == "+447700900123"


def test_text_that_is_not_a_number_is_not_a_phone() -> None:
    assert normalise_phone("call me maybe") is None and normalise_phone("12") is None


def test_email_addresses_are_lower_cased_without_display_name() -> None:
    assert normalise_email('"Dan Wilson" <DanW18@Hotmail.co.uk>') == "danw18@hotmail.co.uk"
    assert normalise_email("not an address") is None


def test_social_handles_have_no_strong_keys() -> None:
    assert strong_keys("x", "824873949835503262", "@RachelF_uk4") == []
    assert strong_keys("sms", "+447700900123", "+447700900123") == [Key("phone", "+447700900123")]


def test_numbers_and_addresses_written_in_text_are_found() -> None:
    found = keys_in_text("ring my sister on 07700 900456 or email Jo.Smith@example.org please")
    assert set(found) == {Key("phone", "+447700900456"), Key("email", "jo.smith@example.org")}


def test_same_number_on_sms_and_whatsapp_is_one_person(any_beacon: Beacon) -> None:
    sms = send(any_beacon, channel="sms", author={"id": "+447700900333"}, text="he is here")
    whatsapp = send(any_beacon, **WHATSAPP, author={"id": "447700900333", "name": "Dan"}, text="help")
    assert sms.person_id == whatsapp.person_id is not None
    with any_beacon.read_session_factory() as session:
        identities = session.scalars(select(Identity).where(Identity.person_id == sms.person_id)).all()
        linked = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "person")).all()
    assert {i.channel for i in identities} == {"sms", "whatsapp"}
    assert [e.reason for e in linked] == ["identity linked automatically: same phone"]
    assert "+447700900333" not in str(linked[0].data)  # the audit log names the kind, not the number


def test_same_email_in_another_case_is_one_person(beacon: Beacon) -> None:
    first = send(beacon, channel="email", channel_account="contact@force.uk",
                 author={"id": "Dan.Wilson@Example.org"}, text="my bike was stolen")
    second = send(beacon, channel="email", channel_account="contact@force.uk",
                  author={"id": "dan.wilson@example.org"}, text="any news?")
    assert first.person_id == second.person_id


def test_same_display_name_on_two_platforms_is_not_linked_automatically(beacon: Beacon) -> None:
    x = send(beacon, channel="x", channel_account="@WestBurnPolice",
             author={"id": "111", "handle": "@dan", "name": "Dan Wilson"}, text="hello")
    facebook = send(beacon, channel="facebook", channel_account="104857392011563",
                    author={"id": "222", "name": "Dan Wilson"}, text="hello")
    assert x.person_id != facebook.person_id


def test_the_forces_own_accounts_are_one_author(beacon: Beacon) -> None:
    x = send(beacon, channel="x", channel_account="@WestBurnPolice",
             author={"id": "1012345678901234567", "handle": "@WestBurnPolice"}, text="MISSING: Amy, 14")
    facebook = send(beacon, channel="facebook", channel_account="104857392011563",
                    author={"id": "104857392011563", "name": "West Burnshire Police"}, text="MISSING: Amy")
    assert x.person_id == facebook.person_id
    assert x.disposition == facebook.disposition == "monitor"


def _forget_keys(beacon: Beacon, person_id: int | None) -> None:
    """Make the person's identities look as if stored before identity_keys existed."""
    with beacon.session_factory.begin() as session:
        identity_ids = select(Identity.id).where(Identity.person_id == person_id)
        session.execute(delete(IdentityKey).where(IdentityKey.identity_id.in_(identity_ids)))


def test_an_identity_stored_before_identity_keys_still_links_by_its_number(any_beacon: Beacon) -> None:
    sms = send(any_beacon, channel="sms", author={"id": "+447700900444"}, text="he is back")
    _forget_keys(any_beacon, sms.person_id)
    whatsapp = send(any_beacon, **WHATSAPP, author={"id": "447700900444"}, text="he is outside now")
    assert whatsapp.person_id == sms.person_id is not None


def test_a_key_linked_holder_wins_over_an_identity_stored_before_keys(any_beacon: Beacon) -> None:
    sms = send(any_beacon, channel="sms", author={"id": "+447700900555"}, text="he is back")
    _forget_keys(any_beacon, sms.person_id)
    with any_beacon.session_factory.begin() as session:  # another person holds the number by key
        person = Person(force_id=sms.force_id, display_name="Jo")
        session.add(person)
        session.flush()
        identity = Identity(force_id=sms.force_id, person_id=person.id, channel="telegram", external_id="77")
        session.add(identity)
        session.flush()
        session.add(IdentityKey(force_id=sms.force_id, identity_id=identity.id, kind="phone", value="+447700900555"))
        keyed_person = person.id
    whatsapp = send(any_beacon, **WHATSAPP, author={"id": "447700900555"}, text="he is outside now")
    assert whatsapp.person_id == keyed_person != sms.person_id
