"""A record the viewer may not see is answered exactly as one that does not exist (404), and
the refusal is put on the audit log with the route and why; a role's refusal is a 403. A rule
of related cases (beacon.cases.relations) broken is a 409 for the cases' state or a 422 for the
request, with its stable code. The rules are beacon.cases.access, beacon.cases.roles and
beacon.cases.relations; this only answers and records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from beacon.audit.log import Action
from beacon.cases.access import Hidden
from beacon.cases.audit_events import record, user_actor
from beacon.cases.relation_errors import RelationRefused
from beacon.cases.roles import CaseForbidden
from beacon.people.errors import Forbidden
from beacon.web.problems import Problem

ProblemHandler = Callable[[Request, Problem], Awaitable[Any]]


def route_of(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def record_refusal(request: Request, object_type: str, object_id: int | str, why: str) -> None:
    """In its own transaction: the route's own write session is rolled back by the refusal."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return
    beacon = request.app.state.beacon
    route = f"{request.method} {route_of(request)}"
    with beacon.session_factory.begin() as session:
        record(session, user_actor(viewer.id, viewer.display_name), Action.REFUSED, object_type, object_id,
               viewer.force_id, beacon.clock.now(), f"{route}: {why}", {"route": route, "why": why})


def install_refusal_handlers(app: FastAPI, problem: ProblemHandler) -> None:
    @app.exception_handler(Hidden)
    async def _hidden(request: Request, exc: Hidden) -> Any:
        await run_in_threadpool(record_refusal, request, exc.kind, exc.ident, exc.why)
        return await problem(request, Problem(404, "Not found", f"no {exc.kind} {exc.ident}", "not_found"))

    @app.exception_handler(CaseForbidden)
    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Exception) -> Any:
        await run_in_threadpool(record_refusal, request, "route", route_of(request), f"forbidden: {exc}")
        return await problem(request, Problem(403, "Not allowed", str(exc), "forbidden"))

    @app.exception_handler(RelationRefused)
    async def _relation(request: Request, exc: RelationRefused) -> Any:
        return await problem(request, Problem(409 if exc.conflict else 422, "Cannot relate these cases",
                                              exc.detail, exc.code))
