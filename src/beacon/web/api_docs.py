"""`/api/docs`: Swagger UI over Beacon's OpenAPI description, served entirely by Beacon.

Swagger UI 5.35.0 (Apache-2.0) is vendored in static/swagger-ui-5.35.0/ with its licence (see
the README there); the page's start-up is static/api_docs.js. Nothing is fetched from a CDN, so
the page works offline and under the same Content-Security-Policy as every other page (no
inline script, no exception).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from beacon.web.pages import render

router = APIRouter(include_in_schema=False)
ASSETS = "/static/swagger-ui-5.35.0"


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "api_docs.html", openapi_url=request.app.openapi_url, assets=ASSETS)
