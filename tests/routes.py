"""Walk an app's routes, inside included routers too (FastAPI 0.16x nests them)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.routing import _IncludedRouter
from starlette.routing import BaseRoute


def app_routes(routes: list[BaseRoute]) -> Iterator[tuple[str, str]]:
    """(method, path with every {param} as {id}) for each route."""
    for route in routes:
        if isinstance(route, _IncludedRouter):
            yield from app_routes(route.original_router.routes)
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        template = "/".join("{id}" if part.startswith("{") else part for part in path.split("/"))
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method != "HEAD":
                yield method, template
