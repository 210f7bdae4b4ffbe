"""A citizen fills the public web form with the keyboard only, in Debian's chromium.

First sends it empty (the error summary takes focus and links to the field), then fills it
and sees the thank-you page with its reference. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.live_server import serve
from beacon.bootstrap import Beacon
from beacon.store.tables import Message

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]



@pytest.fixture
def live_url(chan_beacon: Beacon) -> Iterator[str]:
    with serve(chan_beacon) as url:
        yield url


def _tab_to(page: Any, element_id: str) -> None:
    """Press Tab until the field has focus, as a keyboard user does (fails if never reached)."""
    for _ in range(25):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_a_citizen_sends_the_form_by_keyboard(live_url: str, chan_beacon: Beacon) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 900, "height": 1100})
        page.goto(f"{live_url}/contact")
        _tab_to(page, "consent_to_reply")
        page.keyboard.press("Space")  # consent without a contact detail: an error
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")

        summary = page.locator("#wf-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link")).to_have_count(2)
        page.screenshot(path=str(ARTIFACTS / "webform-errors.png"), full_page=True)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the first error link moves focus to its field
        expect(page.locator("#message")).to_be_focused()
        page.keyboard.type("A man is trying car door handles on Mill Lane, wearing a red hoodie.")
        _tab_to(page, "contact")
        page.keyboard.type("07700 900456")
        _tab_to(page, "consent_to_reply")
        expect(page.locator("#consent_to_reply")).to_be_checked()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")

        expect(page.locator("h1")).to_have_text("Message sent")
        expect(page.locator(".wf-ref")).to_contain_text("WF-")
        expect(page.get_by_text("Silent Solution")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "webform-thanks.png"), full_page=True)
        browser.close()
    with chan_beacon.read_session_factory() as session:
        [message] = session.scalars(select(Message).where(Message.channel == "webform")).all()
    assert message.author_id == "+447700900456" and message.raw["consent_to_reply"] is True
