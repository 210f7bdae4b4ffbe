"""The force's public contact form: `GET/POST /contact`, no sign-in.

Thin: the rules live in `beacon.intake.webform`. Each post is counted per client address
(`BEACON_WEBFORM_PER_HOUR`, sliding hour, in process); then CSRF (the token lives in the
anonymous session cookie); then validation; then the message is stored (one commit), the
citizen is redirected to a thank-you page with a reference, and the message is published to
the pipeline after the answer. Behind a proxy, run uvicorn with `--proxy-headers
--forwarded-allow-ips=<proxy>` so the client address is the citizen's, not the proxy's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from beacon.intake.rate_limit import SlidingWindowLimiter
from beacon.intake.webform import (
    CONTACT_MAX,
    MESSAGE_MAX,
    NAME_MAX,
    WHERE_MAX,
    Checked,
    build_message,
    check,
    new_submission_id,
    reference_of,
)
from beacon.web.deps import BeaconDep
from beacon.web.pages import render
from beacon.web.problems import Problem, problem_response
from beacon.web.security import check_csrf

router = APIRouter(include_in_schema=False)
LIMITS = {"message": MESSAGE_MAX, "where": WHERE_MAX, "name": NAME_MAX, "contact": CONTACT_MAX}


def _limiter(request: Request) -> SlidingWindowLimiter:
    """One limiter per app (so each test app starts clean), made on first use."""
    state = request.app.state
    if not hasattr(state, "webform_limiter"):
        per_hour = request.app.state.beacon.settings.webform_per_hour
        state.webform_limiter = SlidingWindowLimiter(per_hour, 3600.0)
    return state.webform_limiter  # type: ignore[no-any-return]


def _form_page(request: Request, checked: Checked | None = None, *, status: int = 200,
               notice: str = "") -> HTMLResponse:
    values: dict[str, Any] = dict(checked.values) if checked else {}
    if not values.get("submission"):
        values["submission"] = new_submission_id()
    response = render(request, "webform.html", values=values, limits=LIMITS,
                      errors=checked.errors if checked else {}, notice=notice)
    response.status_code = status
    return response


@router.get("/contact", response_class=HTMLResponse)
def contact_page(request: Request) -> HTMLResponse:
    return _form_page(request)


@router.post("/contact", response_model=None)
async def contact_submit(
    request: Request, beacon: BeaconDep, background: BackgroundTasks
) -> Response:
    address = request.client.host if request.client else "unknown"
    retry_after = _limiter(request).hit(address)
    if retry_after is not None:
        return _too_many(request, retry_after)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        await check_csrf(request)
    except Problem:
        # An expired or missing session: show the form again with what they typed, never lose it.
        return _form_page(request, check(fields), status=403,
                          notice="Your session expired. Check your message and send it again.")
    checked = check(fields)
    if checked.cleaned is None:
        return _form_page(request, checked, status=400)
    message = build_message(checked.cleaned, account=beacon.settings.webform_account,
                            now=beacon.clock.now())
    accepted = beacon.store([message])
    fresh = [a.message_id for a in accepted if not a.duplicate]
    if fresh:
        background.add_task(beacon.transport.publish, fresh)
    request.session["webform_reference"] = reference_of(checked.cleaned.submission)
    return RedirectResponse("/contact/thanks", status_code=303)


@router.get("/contact/thanks", response_class=HTMLResponse, response_model=None)
def contact_thanks(request: Request) -> Response:
    reference = request.session.get("webform_reference")
    if not reference:
        return RedirectResponse("/contact", status_code=303)
    return render(request, "webform_thanks.html", reference=reference)


def _too_many(request: Request, retry_after: int) -> Response:
    minutes = max(1, round(retry_after / 60))
    detail = f"too many messages from this address; try again in about {minutes} minute(s)"
    if "text/html" in request.headers.get("accept", ""):
        response: Response = render(request, "webform_limited.html", minutes=minutes)
    else:
        response = problem_response(429, "Too many requests", detail, "rate_limited",
                                    request.url.path)
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response
