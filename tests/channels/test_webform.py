"""The public web form: no sign-in, CSRF, validation naming the field, rate limit, stored once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.intake.rate_limit import SlidingWindowLimiter
from beacon.intake.webform import check, normalise_contact, reference_of
from beacon.outbox.replies import route_for
from beacon.store.tables import Message
from beacon.web.app import create_app
from tests.channels.conftest import channel_beacon, HTTPS_TESTSERVER

SUBMISSION = "6f1c2a9e-4b7d-4c1e-9a2f-0d3b5e7c9a11"


@pytest.fixture
def form_beacon(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    instance = channel_beacon(sqlite_url, tmp_path, clock, webform_per_hour=3)
    yield instance
    instance.engine.dispose()


@pytest.fixture
def form_client(form_beacon: Beacon) -> Iterator[TestClient]:
    with TestClient(create_app(form_beacon), base_url=HTTPS_TESTSERVER) as client:
        yield client


def _token(client: TestClient) -> str:
    page = client.get("/contact")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def _post(client: TestClient, token: str | None, **fields: str) -> object:
    data = {"message": "Someone is dealing drugs from the flat above the chip shop every night",
            "submission": SUBMISSION, **fields}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/contact", data=data, headers={"accept": "text/html"}, follow_redirects=False)


def _messages(beacon: Beacon) -> list[Message]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(Message).where(Message.channel == "webform")))


def test_the_form_needs_no_sign_in_and_says_it_is_not_for_emergencies(form_client: TestClient) -> None:
    page = form_client.get("/contact")
    assert page.status_code == 200
    assert "call 999" in page.text and "55" in page.text and "emergencySMS" in page.text
    assert '<label for="message">' in page.text and '<label for="contact">' in page.text


def test_a_submission_is_stored_once_triaged_and_thanked_with_a_reference(
    form_client: TestClient, form_beacon: Beacon
) -> None:
    token = _token(form_client)
    fields = {"contact": "07700 900982", "consent_to_reply": "yes", "where": "High Street"}
    first = _post(form_client, token, **fields)
    second = _post(form_client, token, **fields)  # the back button and send again
    assert first.status_code == second.status_code == 303  # type: ignore[attr-defined]
    [message] = _messages(form_beacon)
    assert message.state == "processed" and message.priority is not None
    assert message.channel_account == "contact-form" and message.provider_message_id == SUBMISSION
    assert message.author_id == "+447700900982"
    assert message.raw["contact"] == "+447700900982" and message.raw["consent_to_reply"] is True
    thanks = form_client.get("/contact/thanks")
    assert reference_of(SUBMISSION) in thanks.text and "999" in thanks.text
    assert route_for(message).sender == "sms"  # the reply side reads the same raw shape


def test_an_anonymous_submission_gets_an_author_of_its_own_and_no_reply_route(
    form_client: TestClient, form_beacon: Beacon
) -> None:
    _post(form_client, _token(form_client))
    [message] = _messages(form_beacon)
    assert message.author_id == f"anonymous:{SUBMISSION}"
    assert message.raw["contact"] is None and message.raw["consent_to_reply"] is False


def test_a_post_without_the_csrf_token_is_refused_and_keeps_what_was_typed(
    form_client: TestClient, form_beacon: Beacon
) -> None:
    form_client.get("/contact")
    response = _post(form_client, None, name="Sam Jones")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "Sam Jones" in response.text and "session expired" in response.text  # type: ignore[attr-defined]
    assert _messages(form_beacon) == []
    wrong = _post(form_client, "not-the-token")
    assert wrong.status_code == 403 and _messages(form_beacon) == []  # type: ignore[attr-defined]


def test_validation_errors_name_the_field_and_are_linked_to_it(
    form_client: TestClient, form_beacon: Beacon
) -> None:
    response = _post(form_client, _token(form_client), message="  ", contact="not a number")
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert '<a href="#message">' in html and '<a href="#contact">' in html
    assert 'id="message-error"' in html and 'aria-describedby="message-hint message-error"' in html
    assert 'id="contact-error"' in html and 'aria-invalid="true"' in html
    assert _messages(form_beacon) == []


def test_the_form_is_rate_limited_per_address_with_retry_after(form_client: TestClient) -> None:
    token = _token(form_client)
    answers = [_post(form_client, token).status_code for _ in range(3)]  # type: ignore[attr-defined]
    limited = _post(form_client, token)
    assert answers == [303, 303, 303] and limited.status_code == 429  # type: ignore[attr-defined]
    assert int(limited.headers["retry-after"]) > 0  # type: ignore[attr-defined]
    assert "999" in limited.text  # type: ignore[attr-defined]
    api = form_client.post("/contact", data={"message": "x"})
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("07700 900982", "+447700900982"), ("+44 7700 900982", "+447700900982"),
     ("Name@Example.org.uk", "name@example.org.uk"), ("", "")],
)
def test_contact_details_are_normalised(typed: str, expected: str) -> None:
    assert normalise_contact(typed) == (expected, None)


@pytest.mark.parametrize("typed", ["07700", "name@", "@example.org", "a@b", "call me", "0" * 300,
                                   "07700 900982 ext 4", "\x00\ufffd"])
def test_bad_contact_details_are_refused_with_a_reason(typed: str) -> None:
    contact, problem = normalise_contact(typed)
    assert contact == "" and problem


def test_consent_without_a_contact_detail_names_the_contact_field() -> None:
    checked = check({"message": "hello", "consent_to_reply": "yes"})
    assert checked.cleaned is None and list(checked.errors) == ["contact"]


def test_a_forged_submission_id_is_replaced() -> None:
    checked = check({"message": "hello", "submission": "'; drop table messages"})
    assert checked.cleaned is not None and checked.cleaned.submission != "'; drop table messages"


def test_the_limiter_slides_with_its_clock() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(2, 60.0, clock=lambda: now[0])
    assert [limiter.hit("a"), limiter.hit("a"), limiter.hit("b")] == [None, None, None]
    now[0] = 30.0
    assert limiter.hit("a") == 30
    now[0] = 60.0
    assert limiter.hit("a") is None  # the first hit has left the window
