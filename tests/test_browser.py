"""A handler in a real browser: sign in, see the P1 at the top of the inbox, open it.

Drives Debian's chromium through Playwright (Playwright's own browser download cannot work
here). Screenshots go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import serve
from beacon.bootstrap import Beacon, bootstrap
from beacon.clock import FakeClock
from beacon.config import Settings
from beacon.messages import InboundMessage
from beacon.scenario import generate_night_shift
from beacon.staff.accounts import Role, create_user

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "night shift 2026"



@pytest.fixture
def scenario_beacon(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Beacon:
    """The real triage engine over the night-shift scenario, as the demo runs it."""
    settings = Settings(database_url=sqlite_url, var_dir=tmp_path / "var", secret_key="browser-test",
                        totp_required_roles="")  # the CSP walk signs a supervisor in by password
    beacon = bootstrap(settings, clock=clock)
    beacon.prepare_database()
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="handler", password=PASSWORD,
                    role=Role.HANDLER, display_name="Test Handler")
    messages, _ = generate_night_shift(7)
    beacon.ingest([InboundMessage.model_validate(m) for m in messages])
    return beacon


@pytest.fixture
def live_url(scenario_beacon: Beacon) -> Iterator[str]:
    with serve(scenario_beacon) as url:
        yield url


def test_handler_signs_in_sees_p1_first_and_opens_it(live_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{live_url}/")
        expect(page).to_have_url(f"{live_url}/login?next=/")
        page.get_by_label("Username").fill("handler")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        first_row = page.locator("#inbox-rows tr").first
        expect(first_row.locator(".tag").first).to_have_text("P1")
        page.screenshot(path=str(ARTIFACTS / "inbox.png"))
        reference = first_row.locator(".ref a").inner_text()

        first_row.locator(".summary a").click()
        expect(page.locator("h1")).to_contain_text(reference)
        expect(page.locator(".case-head .tag").first).to_have_text("P1")
        expect(page.locator(".case-head .why-grade")).to_contain_text("Why P1:")  # what set the grade
        expect(page.locator(".case-head .thrive-values")).to_be_visible()
        page.locator(".reasons summary").first.click()
        expect(page.locator(".reasons li").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "case.png"))
        browser.close()
