"""Schemathesis against /api/openapi.json through the ASGI app: no input may answer 5xx.

A bounded run (a few examples per operation, valid and invalid, fixed seed so a failure
reproduces) on SQLite and PostgreSQL, signed in as a handler with a CSRF token, after one
message made a case, a person and an incident for the generated ids to sometimes find.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.python import asgi

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user
from beacon.web.app import create_app
from tests.builders import message_data
from tests.channels.conftest import HTTPS_TESTSERVER, channel_beacon
from tests.tokens import intake_headers

PASSWORD = "correct horse battery"
EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def fuzz_beacon(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    # Webhook secrets are configured so their verification, not a 503, is what gets fuzzed.
    instance = channel_beacon(database_url, tmp_path, clock)
    with instance.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.SUPERVISOR)
    yield instance
    instance.engine.dispose()


def _signed_in(client: asgi.ASGIClient) -> None:
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    csrf = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.headers["X-CSRF-Token"] = csrf
    assert client.get("/api/v1/cases").status_code == 200  # really signed in: not 401s all the way


def _run_operation(operation: schemathesis.APIOperation, client: asgi.ASGIClient,
                   mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def no_server_error(case: schemathesis.Case) -> None:
        response = case.call(session=client, base_url=HTTPS_TESTSERVER)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])

    try:
        no_server_error()
    except Unsatisfiable:
        # An operation with no parameters and no body has nothing to make invalid.
        if mode is not GenerationMode.NEGATIVE:
            raise


def test_no_generated_request_is_a_server_error(fuzz_beacon: Beacon) -> None:
    app = create_app(fuzz_beacon)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    try:
        # The public URL is https, so the session cookie is Secure: speak https to the app.
        with asgi.ASGIClient(app, base_url=HTTPS_TESTSERVER) as client:
            client.headers.update(intake_headers(fuzz_beacon))  # the intake API needs a token
            _signed_in(client)
            assert client.post("/api/v1/messages", json=message_data(text="He has a knife")).status_code == 202
            operations = [result.ok() for result in schema.get_all_operations()]
            assert len(operations) > 20  # the whole API, not an empty schema
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    _run_operation(operation, client, mode)
    finally:
        asgi.shutdown_lifespans()
