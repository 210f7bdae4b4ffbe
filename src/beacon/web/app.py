"""Builds the ASGI app: routes, sessions, body limits, static files and error answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import beacon
from beacon.bootstrap import Beacon
from beacon.config import Settings
from beacon.outbox.channel_jobs import register_channel_jobs  # channels (issue 5)
from beacon.pipeline.periodic import PeriodicRunner
from beacon.web import api, incidents, intake_api, pages
from beacon.web import replies, webhooks  # channels (issue 5)
from beacon.web import admin_channels, webform  # channels (issue 5)
from beacon.web import admin_tokens  # API tokens (issue 14)
from beacon.web import audit_pages, casework_pages  # case work (issue 7)
from beacon.web import case_page, control_room, exports, guidance_pages  # desk and control room (issue 8)
from beacon.web import people_pages  # people and routing (issue 6)
from beacon.web import ops  # readiness, metrics, pipeline lag (issue 9)
from beacon.web import second_factor, sign_in  # accounts (issue 14)
from beacon.web import account_pages, account_second_factor, admin_forces, admin_teams, admin_users, oidc_sign_in  # accounts, teams, forces (issue 14)
from beacon.web import search_pages  # search (issue 18)
from beacon.web import api_docs  # Swagger UI served locally (issue 14)
from beacon.web import case_relations  # cases that relate (issue 16)
from beacon.web.headers import SecurityHeaders
from beacon.web.problems import Problem, install_problem_handlers, problem_response
from beacon.web.refusals import install_refusal_handlers
from beacon.web.security import SignInRequired, load_or_create_secret

STATIC = Path(__file__).parent / "static"


class BodySizeLimit:
    """Refuses bodies over the limit with 413, by header and while streaming (chunked uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise Problem(413, "Body too large", f"bodies are limited to {self.max_bytes} bytes",
                              "body_too_large")
            return message

        await self.app(scope, counting_receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "Body too large", f"bodies are limited to {self.max_bytes} bytes",
            "body_too_large", scope.get("path", ""),
        )
        await response(scope, receive, send)


def create_app(beacon_app: Beacon) -> FastAPI:
    settings = beacon_app.settings
    register_channel_jobs(beacon_app)  # the outbox dispatcher and channel health checks
    periodic = PeriodicRunner(beacon_app.periodic_jobs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        periodic.start()
        yield
        periodic.stop()
        beacon_app.audit_seal.checkpoints.write_if_moved()  # the last events are signed too

    app = FastAPI(
        lifespan=lifespan,
        title="Beacon",
        version=beacon.__version__,
        description="Triage and case handling for citizens' digital contact with a police force.",
        docs_url=None,  # served by web/api_docs.py from local files, under the one policy
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.beacon = beacon_app
    install_problem_handlers(app)
    _install_page_errors(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=load_or_create_secret(settings.secret_key, settings.var_dir),
        session_cookie="beacon_session",
        same_site="lax",
        https_only=served_over_https(settings),
        # The cookie outlives no session: the server ends it sooner (idle, sign-out, revoke).
        max_age=int(settings.session_lifetime_hours * 3600),
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, https=served_over_https(settings))  # outermost: on every answer
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_docs.router)
    app.include_router(intake_api.router)
    app.include_router(webhooks.router)
    app.include_router(replies.router)
    app.include_router(webform.router)  # channels (issue 5)
    app.include_router(admin_channels.router)  # channels (issue 5)
    app.include_router(admin_tokens.router)  # API tokens (issue 14)
    app.include_router(api.router)
    app.include_router(incidents.router)
    app.include_router(sign_in.router)  # accounts (issue 14)
    app.include_router(second_factor.router)  # accounts (issue 14)
    app.include_router(oidc_sign_in.router)  # accounts (issue 14)
    app.include_router(account_pages.router)
    app.include_router(account_second_factor.router)
    app.include_router(admin_users.router)
    app.include_router(admin_teams.router)  # teams (issue 14)
    app.include_router(admin_forces.router)  # forces (issue 14)
    app.include_router(pages.router)
    app.include_router(case_page.router)  # desk (issue 8)
    app.include_router(case_relations.pages)  # cases that relate (issue 16)
    app.include_router(case_relations.api)
    app.include_router(guidance_pages.router)
    app.include_router(control_room.router)
    app.include_router(exports.router)
    app.include_router(casework_pages.router)  # case work (issue 7)
    app.include_router(audit_pages.router)  # case work (issue 7)
    app.include_router(people_pages.router)  # people and routing (issue 6)
    app.include_router(ops.router)  # readiness, metrics, pipeline lag (issue 9)
    app.include_router(search_pages.router)  # search (issue 18)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def served_over_https(settings: Settings) -> bool:
    """Cookies are Secure (and HSTS is sent) when told so, or whenever the public URL is https."""
    return settings.secure_cookies or settings.public_base_url.lower().startswith("https://")


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/webhooks/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _install_page_errors(app: FastAPI) -> None:
    json_problem = app.exception_handlers[Problem]

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Any:
        if _wants_html(request):
            response = pages.render(
                request, "error.html", status=exc.status, title=exc.title, detail=exc.detail
            )
            response.status_code = exc.status
            return response
        return await json_problem(request, exc)  # type: ignore[misc]

    install_refusal_handlers(app, _problem)
