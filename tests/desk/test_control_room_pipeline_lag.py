"""The control room shows how far behind the pipeline is, and alerts when it falls behind: intake
keeps acknowledging while workers lag, so this panel is where the wait becomes visible."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force
from beacon.store.tables import DeadLetter
from beacon.web.app import create_app
from tests.builders import inbound
from tests.live_server import serve
from tests.test_browser import CHROMIUM_ARGS
from tests.test_http import PASSWORD, sign_in


def _waiting(beacon: Beacon, count: int, minutes_ago: float, prefix: str = "w") -> None:
    """Stored and acknowledged, not yet processed: what a lagging pipeline leaves behind."""
    at = (beacon.clock.now() - timedelta(minutes=minutes_ago)).isoformat()
    beacon.store([inbound(text=f"My bike was stolen, number {n}", received_at=at, created_at=at,
                          provider_message_id=f"{prefix}-{n}") for n in range(count)])


def _panel(client: TestClient) -> str:
    live = client.get("/control-room/live")
    assert live.status_code == 200
    [panel] = re.findall(r'<section class="cr-pipeline.*?</section>', live.text, re.S)
    return panel


def _figure(panel: str, name: str) -> str:
    [value] = re.findall(rf'data-lag="{name}">([^<]*)<', panel)
    return value


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
        create_user(session, force_slug="other", username="olu", password=PASSWORD, role=Role.SUPERVISOR)
    with TestClient(create_app(beacon)) as test_client:
        yield test_client


def test_a_pipeline_that_keeps_up_is_shown_calm(client: TestClient, beacon: Beacon) -> None:
    beacon.ingest([inbound(text="My bike was stolen")])  # processed at once (embedded)
    sign_in(client, "sue")
    panel = _panel(client)
    assert _figure(panel, "unprocessed") == "0" and _figure(panel, "failed") == "0"
    assert "pipeline-alert" not in panel and 'role="alert"' not in panel
    assert "Streams:" not in panel  # the embedded mode has none
    assert 'id="pipeline-lag"' in client.get("/control-room").text  # on the page, and polled


def test_a_backlog_older_than_the_threshold_is_highlighted(client: TestClient, beacon: Beacon) -> None:
    sign_in(client, "sue")
    _waiting(beacon, 3, minutes_ago=0.5)  # behind, but not yet past the 60 s threshold
    panel = _panel(client)
    assert _figure(panel, "unprocessed") == "3" and _figure(panel, "oldest") == "30 s"
    assert "pipeline-alert" not in panel

    _waiting(beacon, 2, minutes_ago=4, prefix="old")
    panel = _panel(client)
    assert _figure(panel, "unprocessed") == "5" and _figure(panel, "oldest") == "4 min 00 s"
    assert "pipeline-alert" in panel and 'role="alert"' in panel and "BEHIND" in panel

    beacon.start()  # the pipeline catches up
    panel = _panel(client)
    assert _figure(panel, "unprocessed") == "0" and "pipeline-alert" not in panel


def test_failed_messages_are_highlighted_until_replayed(client: TestClient, beacon: Beacon) -> None:
    beacon.ingest([inbound(text="boom")])  # the fake triage fails on it: a pipeline dead letter
    sign_in(client, "sue")
    panel = _panel(client)
    assert _figure(panel, "failed") == "1" and "pipeline-alert" in panel and "replay-failed" in panel
    with beacon.session_factory.begin() as session:
        for letter in session.scalars(select(DeadLetter)):
            letter.resolved_at = beacon.clock.now()  # as replay-failed marks what it re-sends
    assert "pipeline-alert" not in _panel(client)


def test_another_forces_backlog_is_not_counted(client: TestClient, beacon: Beacon) -> None:
    _waiting(beacon, 4, minutes_ago=10)
    sign_in(client, "olu")
    panel = _panel(client)
    assert _figure(panel, "unprocessed") == "0" and "pipeline-alert" not in panel


@pytest.mark.browser
def test_the_panel_turns_red_through_the_pages_own_polling(sqlite_url: str, tmp_path: Any, clock: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.conftest import make_beacon

    beacon = make_beacon(sqlite_url, tmp_path, clock, control_room_refresh_seconds=1)
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
    try:
        with serve(beacon) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                 headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(20_000)  # a loaded CI machine is slow, not wrong
            page.goto(f"{url}/control-room")
            page.get_by_label("Username").fill("sue")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            panel = page.locator("#pipeline-lag")
            expect(panel).to_contain_text("0 waiting to be triaged")
            expect(panel).not_to_have_class(re.compile("pipeline-alert"))

            _waiting(beacon, 7, minutes_ago=5)  # workers fell behind while the page stays open
            expect(panel).to_have_class(re.compile("pipeline-alert"))  # no reload: htmx polling
            expect(panel).to_contain_text("7 waiting to be triaged, the oldest for 5 min 00 s")
            browser.close()
    finally:
        beacon.engine.dispose()
