"""A form's change is committed before its answer leaves the server.

A browser that follows a 303 straight back to the case page must read the change it just made;
when the write transaction ended after the response was sent (FastAPI's default for a `yield`
dependency), the desk journey's "take" and "set status" steps sometimes showed the old page.
The check reads the database at the moment the response starts, from a second connection, so
it does not depend on how fast anything runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message as AsgiMessage, Receive, Scope, Send

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import Case
from beacon.web.app import create_app
from tests.builders import message_data
from tests.test_http import PASSWORD, _case_of, sign_in
from tests.tokens import intake_headers


class ReadWhenResponseStarts:
    """Calls `read` as the first byte of each POST's response is sent, and keeps the result."""

    def __init__(self, app: ASGIApp, read: Callable[[], object]) -> None:
        self.app, self.read, self.seen = app, read, list[object]()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def observed(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                self.seen.append(self.read())
            await send(message)

        await self.app(scope, receive, observed)


@pytest.fixture
def case_id_and_client(beacon: Beacon) -> Iterator[tuple[int, TestClient, ReadWhenResponseStarts]]:
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    holder: dict[str, int] = {}

    def read_status() -> object:
        with beacon.read_session_factory() as session:
            return session.get_one(Case, holder["case"]).status if "case" in holder else None

    watched = ReadWhenResponseStarts(create_app(beacon), read_status)
    with TestClient(watched, headers=intake_headers(beacon)) as client:
        [receipt] = client.post("/api/v1/messages", json=message_data(text="He has a knife")).json()["accepted"]
        holder["case"] = _case_of(beacon, receipt["id"])
        yield holder["case"], client, watched


def test_a_status_change_is_committed_before_the_redirect_is_sent(
    case_id_and_client: tuple[int, TestClient, ReadWhenResponseStarts],
) -> None:
    case_id, client, watched = case_id_and_client
    token = sign_in(client, "ann")
    watched.seen.clear()
    response = client.post(f"/cases/{case_id}/status", data={"status": "waiting", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    assert watched.seen == ["waiting"]
