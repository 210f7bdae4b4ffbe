"""Security headers through the ASGI app on every GET route (pages, partials, API, exports, static,
errors), no inline script, style or handler in any page, and Secure cookies under https."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user
from beacon.web.app import create_app
from beacon.web.headers import CSP
from tests.builders import message_data
from tests.conftest import make_beacon
from tests.routes import app_routes
from tests.tokens import intake_headers

PASSWORD = "correct horse battery"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style|\sstyle=|\son[a-z]+=|javascript:",
                    re.I)


@pytest.fixture
def signed_in(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="sam", password=PASSWORD, role=Role.SUPERVISOR)
    with TestClient(create_app(beacon), headers=intake_headers(beacon)) as client:
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token})
        assert client.post("/api/v1/messages", json=message_data(text="He has a knife")).status_code == 202
        yield client


def _assert_headers(response, path: str) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
    assert "frame-ancestors 'none'" in policy, path
    assert headers.get("x-content-type-options") == "nosniff", path
    assert headers.get("x-frame-options") == "DENY", path
    assert headers.get("referrer-policy") == "same-origin", path


def test_every_get_route_answers_with_the_security_headers_and_no_inline_code(signed_in: TestClient) -> None:
    paths = sorted({path.replace("{id}", "1") for method, path in app_routes(signed_in.app.routes)
                    if method == "GET" and path != "/static"})
    paths += ["/static/beacon.css", "/static/beacon.js", "/no-such-page", "/cases/999999"]
    pages = 0
    for path in paths:
        response = signed_in.get(path, headers={"accept": "text/html"})
        _assert_headers(response, path)
        if response.headers.get("content-type", "").startswith("text/html"):
            pages += 1
            found = INLINE.search(response.text)
            assert found is None, f"{path} has inline code: {found.group(0) if found else ''}"
    assert pages >= 20  # the pages were really rendered, not sign-in redirects


def test_pages_served_to_strangers_have_the_headers(beacon: Beacon) -> None:
    with TestClient(create_app(beacon)) as client:
        for path in ("/login", "/contact", "/", "/api/v1/cases", "/healthz"):
            _assert_headers(client.get(path, follow_redirects=False), path)
        too_big = client.post("/api/v1/messages", content=b"x" * (beacon.settings.max_body_bytes + 1),
                              headers={"content-type": "application/json"})
        assert too_big.status_code == 413
        _assert_headers(too_big, "413")


def test_the_policy_allows_only_beacons_own_origin() -> None:
    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP and "object-src 'none'" in CSP


def test_the_api_docs_are_served_locally_under_the_one_policy(signed_in: TestClient) -> None:
    response = signed_in.get("/api/docs")
    assert response.status_code == 200 and response.headers["content-security-policy"] == CSP
    assert INLINE.search(response.text) is None and "https://" not in response.text  # no CDN
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert "/static/swagger-ui-5.35.0/swagger-ui-bundle.js" in sources and "/static/api_docs.js" in sources
    for source in sources:  # every asset is Beacon's own, and is there
        asset = signed_in.get(source)
        assert asset.status_code == 200, source
        _assert_headers(asset, source)
    assert "SwaggerUIBundle" in signed_in.get("/static/swagger-ui-5.35.0/swagger-ui-bundle.js").text


@pytest.mark.parametrize(("public_url", "secure"), [("https://beacon.example.police.uk", True),
                                                    ("http://127.0.0.1:8000", False), ("", False)])
def test_cookies_are_secure_whenever_the_public_url_is_https(
    tmp_path: Path, clock: FakeClock, public_url: str, secure: bool
) -> None:
    beacon = make_beacon(f"sqlite:///{tmp_path / 'b.db'}", tmp_path, clock, public_base_url=public_url)
    base = "https://testserver" if secure else "http://testserver"
    with TestClient(create_app(beacon), base_url=base) as client:
        response = client.get("/login")
        cookie = response.headers["set-cookie"]
        assert ("secure" in cookie.lower()) is secure, cookie
        assert ("strict-transport-security" in response.headers) is secure
    beacon.engine.dispose()
