"""Chromium walks every kind of page under the Content-Security-Policy: no violation is reported
(console or `securitypolicyviolation` event), no script error, and what scripts draw still works
(htmx loads the alerts bar, the control room draws its charts, the case page's guidance button
fills the reply box, the contact form focuses its error summary, Swagger UI draws the API)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from tests.live_server import serve
from tests.test_browser import CHROMIUM_ARGS, PASSWORD, scenario_beacon  # noqa: F401 - fixture

pytestmark = pytest.mark.browser
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
PAGES = ["/", "/cases/1", "/persons/1", "/control-room", "/guidance", "/handovers", "/rota",
         "/incidents", "/admin/channels", "/shift-report", "/audit/cases/1", "/search?q=knife"]


@pytest.fixture
def supervisor_url(scenario_beacon: Beacon) -> Iterator[str]:  # noqa: F811 - the fixture above
    with scenario_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sarge", password=PASSWORD, role=Role.SUPERVISOR)
    with serve(scenario_beacon) as url:
        yield url


def test_no_page_breaks_the_content_security_policy(supervisor_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.add_init_script(RECORD_VIOLATIONS)
        # "Failed to load resource" is an HTTP status (the form's 400, a favicon's 404), not a script
        # problem; the pages' own statuses are checked below.
        page.on("console", lambda m: problems.append(f"console: {m.text}")
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))

        page.goto(f"{supervisor_url}/contact")
        page.get_by_role("button", name="Send").click()  # empty: shown again with errors
        expect(page.locator("#wf-summary")).to_be_focused()
        _collect(page, "/contact", problems)

        page.goto(f"{supervisor_url}/login")
        page.get_by_label("Username").fill("sarge")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#alerts-bar")).not_to_be_empty()  # htmx ran (hx-trigger="load")
        for path in PAGES:
            response = page.goto(f"{supervisor_url}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            _collect(page, path, problems)

        page.goto(f"{supervisor_url}/control-room")
        expect(page.locator("canvas").first).to_be_visible()
        page.goto(f"{supervisor_url}/cases/1")
        expect(page.locator("#guidance")).not_to_contain_text("Loading guidance")  # htmx swapped it in
        use = page.locator(".guidance-panel .use-template").first
        if use.count() and page.locator("#reply-text").count():
            use.click()  # the delegated handler in static/beacon.js, not an inline script
            expect(use).to_have_text("Put in reply box")
            expect(page.locator("#reply-text")).not_to_have_value("")
        _collect(page, "/cases/1 after using a template", problems)
        page.goto(f"{supervisor_url}/api/docs")  # Swagger UI from Beacon's own files, no exception
        expect(page.locator(".opblock").first).to_be_visible()
        page.locator(".opblock-summary").first.click()  # React re-renders under the policy too
        expect(page.locator(".opblock-body").first).to_be_visible()
        _collect(page, "/api/docs", problems)
        browser.close()
    assert problems == [], problems


def _collect(page, path: str, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    for violation in page.evaluate("window.__cspViolations || []"):
        problems.append(f"{path}: CSP blocked {violation}")
