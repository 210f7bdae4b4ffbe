"""Security headers on every answer: a Content-Security-Policy with no inline code, no framing,
no MIME sniffing, a referrer policy, and HSTS when Beacon is served over https.

The policy allows scripts, styles, images and connections from Beacon's own origin only; the
pages carry no inline script, style or handler (page behaviour is in static/*.js), so
'unsafe-inline' is never needed. frame-ancestors 'none' (and X-Frame-Options for older browsers)
stops the case page being framed and its buttons clickjacked.

The API docs page (Swagger UI, from FastAPI) is the one page with an inline script and a CDN: it
gets its own policy allowing exactly that script by its hash (`docs_page`).
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
CDN = "https://cdn.jsdelivr.net"
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(*, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeaders:
    """Adds the headers to every HTTP answer that has not set its own (the docs page does)."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = security_headers(https=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def docs_page(app: FastAPI, path: str) -> None:
    """Swagger UI at `path`, with a policy that allows its one inline script by hash."""

    @app.get(path, include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url=app.openapi_url or "", title=f"{app.title} API")
        html = bytes(page.body).decode()
        hashes = " ".join(f"'sha256-{_sha256(s)}'" for s in re.findall(r"<script>(.*?)</script>", html, re.S))
        policy = CSP.replace("script-src 'self'", f"script-src 'self' {CDN} {hashes}").replace(
            "style-src 'self'", f"style-src 'self' {CDN}").replace(
            "img-src 'self' data:", "img-src 'self' data: https://fastapi.tiangolo.com")
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
