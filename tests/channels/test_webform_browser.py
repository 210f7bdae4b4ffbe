"""A citizen fills the public web form with the keyboard only, in Debian's chromium.

First sends it empty (the error summary takes focus and links to the field), then fills it
and sees the thank-you page with its reference. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.store.tables import Message
from beacon.web.app import create_app

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_url(chan_beacon: Beacon) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(chan_beacon), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


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
