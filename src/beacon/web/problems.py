"""Every error Beacon's HTTP API returns is RFC 9457 problem+json, decided here and only here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from beacon.storable import UnstorableValue

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise to answer with a problem document; `code` is stable for clients to match on."""

    def __init__(
        self, status: int, title: str, detail: str = "", code: str = "error",
        headers: dict[str, str] | None = None, **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.headers = headers or {}  # e.g. WWW-Authenticate on a 401
        self.extra = extra


def problem_response(
    status: int, title: str, detail: str, code: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"https://beacon.invalid/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE)


def field_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as `field` (dotted path) and `message`, for people and programs."""
    out = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        out.append({"field": ".".join(location) or "body", "message": error.get("msg", "invalid")})
    return out


def validation_problem(errors: list[Any], instance: str) -> JSONResponse:
    fields = field_errors(errors)
    first = fields[0] if fields else {"field": "body", "message": "invalid"}
    return problem_response(
        422,
        "The request body is not valid",
        f"{first['field']}: {first['message']}",
        "validation_failed",
        instance,
        errors=fields,
    )


_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Body too large",
    415: "Unsupported media type",
    429: "Too many requests",
}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(
            exc.status, exc.title, exc.detail, exc.code, request.url.path, **exc.extra
        )
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(list(exc.errors()), request.url.path)

    @app.exception_handler(UnstorableValue)
    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        # The database refused a value as out of its range or too long: the input was wrong.
        log.info("input the database cannot hold: %s", type(exc).__name__)
        return problem_response(422, "A value is out of range",
                                "a number or text in the request is too large to be stored",
                                "value_out_of_range", request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        code = title.lower().replace(" ", "_").replace("-", "_")
        response = problem_response(exc.status_code, title, detail, code, request.url.path)
        if exc.headers:
            response.headers.update(exc.headers)
        return response
