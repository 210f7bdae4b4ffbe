"""The desk's main journeys in a real browser (Debian's chromium through Playwright, as in
tests/test_browser.py), with screenshots in test-artifacts/ for people to look at:

- a supervisor watching the control room sees a surge appear through the page's own polling;
- a handler takes the P1 at the top of the inbox (with the `t` key), reads the guidance beside it,
  sends a reply from a guidance template on the citizen's channel (log only: no provider
  credentials here), sets the case's status, then its disposition (shared with a partner).

Each step that posts a form waits for its own response and then for the page it leads to, never
for a fixed time. (The steps after the reply used to fail now and then because the server sent
its 303 before committing; `WriteSession` now commits first, see web/deps.py.)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import serve
from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user
from tests.builders import inbound
from tests.conftest import make_beacon
from tests.test_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "night shift 2026"
SELF_HARM = "He has a knife. I have taken pills and want to end my life. Goodbye"


@pytest.fixture
def desk_beacon(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Beacon]:
    """Keyword triage ('knife' is P1); the control room refreshes every second."""
    beacon = make_beacon(sqlite_url, tmp_path, clock, control_room_refresh_seconds=1)
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR,
                    display_name="Sue Supervisor")
        create_user(session, force_slug="demo", username="hal", password=PASSWORD, role=Role.HANDLER,
                    display_name="Hal Handler")
    yield beacon
    beacon.engine.dispose()


@pytest.fixture
def live_url(desk_beacon: Beacon) -> Iterator[str]:
    with serve(desk_beacon) as url:
        yield url


@pytest.fixture
def page(live_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                             args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        tab.set_default_timeout(20_000)  # a loaded CI machine is slow, not wrong
        from playwright.sync_api import expect

        expect.set_options(timeout=20_000)  # assertions too, not only actions (their default is 5 s)
        yield tab
        browser.close()


def _sign_in(page: Any, live_url: str, username: str, target: str = "/") -> None:
    page.goto(f"{live_url}{target}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}{target}")


def _reports(beacon: Beacon, count: int, *, minutes_apart: float, before: timedelta, text: str) -> None:
    now = beacon.clock.now()
    messages = []
    for i in range(count):
        at = (now - before - timedelta(minutes=i * minutes_apart)).isoformat()
        messages.append(inbound(text=text, created_at=at, received_at=at, author={"id": f"+4477009{len(text)}{i:03d}"}))
    beacon.ingest(messages)


def test_supervisor_sees_a_surge_appear_on_the_control_room(desk_beacon: Beacon, live_url: str, page: Any) -> None:
    from playwright.sync_api import expect

    # A quiet evening: two contacts an hour for the six hours before the last one.
    _reports(desk_beacon, 12, minutes_apart=30, before=timedelta(hours=1, minutes=10),
             text="Someone has smashed my car window")
    _sign_in(page, live_url, "sue", "/control-room")
    expect(page.get_by_role("heading", name="Control room", exact=False)).to_be_visible()
    expect(page.locator("#surge")).to_have_class("surge-calm")
    page.screenshot(path=str(ARTIFACTS / "control-room-calm.png"))

    # Forty reports of the same fire in the last hour, while the page stays open.
    _reports(desk_beacon, 40, minutes_apart=1, before=timedelta(minutes=1), text="Huge fire at the mill, smoke everywhere")
    banner = page.get_by_role("alert").filter(has_text="SURGE")
    expect(banner).to_be_visible()  # arrives through the page's own polling: no reload
    expect(banner).to_contain_text("40 contacts in the last hour")
    page.screenshot(path=str(ARTIFACTS / "control-room-surge.png"))


def _posted(page: Any, path_end: str) -> Any:
    """Waits for the form's POST to be answered (the 303) and for the page it leads to."""
    return page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(path_end))


def test_handler_takes_the_p1_reads_guidance_replies_and_sets_the_disposition(
    desk_beacon: Beacon, live_url: str, page: Any,
) -> None:
    from playwright.sync_api import expect

    _reports(desk_beacon, 2, minutes_apart=5, before=timedelta(minutes=20), text="My bike was stolen from the shed")
    _reports(desk_beacon, 1, minutes_apart=1, before=timedelta(minutes=3), text=SELF_HARM)
    _sign_in(page, live_url, "hal")

    first_row = page.locator("#inbox-rows tr").first
    expect(first_row.locator(".tag").first).to_have_text("P1")
    reference = first_row.locator(".ref a").inner_text()
    page.screenshot(path=str(ARTIFACTS / "desk-inbox.png"))
    first_row.locator(".summary a").click()
    expect(page.locator("h1")).to_contain_text(reference)
    page.wait_for_load_state("domcontentloaded")  # the page's deferred key script has run

    expect(page.locator("#keys-hint")).to_be_visible()
    page.keyboard.press("?")
    keys = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(keys).to_be_visible()
    expect(keys).to_contain_text("Take the case")
    page.screenshot(path=str(ARTIFACTS / "desk-case-keys.png"))
    page.keyboard.press("Escape")
    expect(keys).to_be_hidden()

    with _posted(page, "/take"):
        page.keyboard.press("t")  # take the case: assigned to me
    expect(page.get_by_role("button", name="Release")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Hal Handler")

    guidance = page.locator(".guidance-panel")
    expect(guidance.get_by_role("heading", name="Someone may harm themselves", exact=False)).to_be_visible()
    expect(guidance).to_contain_text("116 123")  # the Samaritans, in the article the handler reads
    page.screenshot(path=str(ARTIFACTS / "desk-case-guidance.png"), full_page=True)

    reply_box = page.get_by_label("Reply", exact=True)
    expect(reply_box).to_be_visible()  # the reply panel, loaded by htmx
    page.keyboard.press("r")
    expect(reply_box).to_be_focused()
    page.keyboard.type("d")  # typed into the box: not the disposition key
    expect(reply_box).to_have_value("d")
    expect(page.locator("#disposition")).not_to_be_focused()
    guidance.get_by_role("button", name="Use this reply").first.click()
    expect(reply_box).not_to_have_value("d")
    template_text = reply_box.input_value()
    with _posted(page, "/reply"):
        page.get_by_role("button", name="Send reply").press("Enter")
    panel = page.locator("#reply-panel")
    # The dispatcher sends in the background every second or two; a loaded machine may take longer.
    expect(panel).to_contain_text("Logged only, not sent", timeout=30_000)
    expect(panel).to_contain_text(template_text[:40])
    page.screenshot(path=str(ARTIFACTS / "desk-reply-sent.png"), full_page=True)

    # Keys and Enter, not clicks at screen positions: the guidance and reply panels load after
    # the page and move what is below them.
    page.locator("body").press("s")
    expect(page.locator("#status")).to_be_focused()
    page.locator("#status").select_option("waiting")
    with _posted(page, "/status"):
        page.get_by_role("button", name="Change status").press("Enter")
    expect(page.locator(".facts")).to_contain_text("Waiting on citizen")
    page.screenshot(path=str(ARTIFACTS / "desk-status-set.png"), full_page=True)

    page.locator("body").press("d")
    expect(page.locator("#disposition")).to_be_focused()
    page.locator("#disposition").select_option("share")
    page.get_by_label("Partner (to share with)").select_option(label="Action Fraud (national fraud reporting centre)")
    page.get_by_label("Reason (required to close, share or monitor)").fill("Test of sharing from the desk")
    with _posted(page, "/disposition"):
        page.get_by_role("button", name="Set disposition").press("Enter")
    expect(page.locator("#disposition-now")).to_have_text("Share with a partner")
    expect(page.locator(".facts")).to_contain_text("Closed")
    expect(page.locator(".timeline")).to_contain_text("Shared with Action Fraud")
    page.screenshot(path=str(ARTIFACTS / "desk-disposition-set.png"), full_page=True)
    _assert_stored(desk_beacon, reference)


def _assert_stored(beacon: Beacon, reference: str) -> None:
    from sqlalchemy import select

    from beacon.store.tables import Case
    from beacon.store.tables_desk import CaseDisposition

    with beacon.read_session_factory() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        [row] = session.scalars(select(CaseDisposition).where(CaseDisposition.case_id == case.id))
        assert (case.status, row.outcome, row.partner) == ("closed", "share", "action_fraud")
        assert case.assignee_id is not None
