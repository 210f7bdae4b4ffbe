"""The search journey in a real browser (Debian's chromium through Playwright): a handler on
the inbox reaches the search box from the keyboard, types a phone number the way people say it,
sees the case among the results, and opens it. Screenshot in test-artifacts/search.png."""

from __future__ import annotations

from typing import Any

import pytest

from beacon.bootstrap import Beacon
from tests.builders import inbound
from tests.desk.test_desk_journeys_browser import ARTIFACTS, _sign_in, desk_beacon, live_url, page  # noqa: F401

pytestmark = pytest.mark.browser
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__cspViolations.push(e.violatedDirective); });
"""


def test_a_handler_searches_from_the_inbox_and_opens_the_case(desk_beacon: Beacon, live_url: str, page: Any) -> None:
    from playwright.sync_api import expect

    desk_beacon.ingest([inbound(text="He is on the stairs with a knife, please hurry",
                                author={"id": "+447700900123", "name": "Dan Wilson"})])
    desk_beacon.ingest([inbound(text="Someone stole my bike", author={"id": "+447700900555"})])
    page.add_init_script(RECORD_VIOLATIONS)
    _sign_in(page, live_url, "hal")
    expect(page.locator("#inbox-rows")).to_contain_text("He is on the stairs")

    page.keyboard.press("Tab")  # Skip to content
    page.keyboard.press("Tab")  # Skip to search
    expect(page.get_by_role("link", name="Skip to search")).to_be_focused()
    page.keyboard.press("Enter")
    box = page.get_by_role("searchbox", name="Search cases, messages, people, phone numbers and references")
    expect(box).to_be_focused()
    page.keyboard.type("07700 900123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/search?q=07700+900123")

    cases = page.get_by_role("region", name="Cases")
    expect(cases).to_contain_text("BC-261128-0001")
    expect(page.get_by_role("region", name="People")).to_contain_text("Dan Wilson")
    expect(page.locator("main")).not_to_contain_text("bike")
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

    page.get_by_role("searchbox").fill("stair knife")  # words: the message, its words marked
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="Messages").locator("mark")).to_have_text(["stairs", "knife"])

    cases.get_by_role("link", name="BC-261128-0001").click()
    page.wait_for_url(f"{live_url}/cases/1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("BC-261128-0001")
    assert page.evaluate("window.__cspViolations") == []
