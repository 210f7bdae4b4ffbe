"""Generic JSON intake: POST /api/v1/messages takes one message or a batch.

An integration's API token with the intake permission is required (`web/api_auth.py`), and
every message of a batch must be for the token's force and, if it names some, one of its
channel accounts; else the whole batch is refused (403) and nothing stored. A body that cannot
be read or does not validate, sent with a valid token, is kept in the dead-letter store with
the reason before the 4xx answer goes back; one sent without is refused and not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

from beacon.bootstrap import Beacon
from beacon.messages import InboundMessage
from beacon.intake.deliveries import keep_dead_letter
from beacon.staff.api_tokens import Grant, Permission, out_of_scope
from beacon.web.api_auth import IntakeGrant, grant_for, refused
from beacon.web.deps import BeaconDep
from beacon.web.problems import Problem, validation_problem


class DeadLetteringRoute(APIRoute):
    """Keeps the raw body of any request that fails validation, then answers as usual."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def keep_rejected(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                # Unreadable JSON fails before the token is checked: check it now, so only an
                # authenticated sender's body is kept.
                grant_for(request, Permission.INTAKE)
                errors = list(exc.errors())
                body = await request.body()
                reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
                _dead_letter(request, body, f"rejected by intake: {reason}"[:4000])
                return validation_problem(errors, request.url.path)

        return keep_rejected


def _dead_letter(request: Request, body: bytes, reason: str) -> None:
    beacon = request.app.state.beacon
    with beacon.session_factory.begin() as session:
        keep_dead_letter(session, source="api", reason=reason, raw=body,
                         content_type=request.headers.get("content-type"), now=beacon.clock.now())


class AcceptedMessage(BaseModel):
    id: int
    provider_message_id: str
    duplicate: bool


class IntakeReceipt(BaseModel):
    accepted: list[AcceptedMessage]


router = APIRouter(route_class=DeadLetteringRoute, tags=["intake"])


@router.post(
    "/api/v1/messages",
    status_code=202,
    response_model=IntakeReceipt,
    responses={
        401: {"description": "No API token, or not a valid one (problem+json)"},
        403: {"description": "The token lacks the intake permission, or a message is for another "
                            "force or channel account than the token's (problem+json)"},
        413: {"description": "Body or batch too large"},
        422: {"description": "Not a valid message; the body is kept as a dead letter"},
    },
    summary="Accept one message or a batch",
)
def accept_messages(
    request: Request,
    beacon: BeaconDep,
    grant: IntakeGrant,
    background: BackgroundTasks,
    payload: Annotated[InboundMessage | list[InboundMessage], Body()],
) -> IntakeReceipt:
    """Stores each message durably and answers only after the commit.

    A message already stored (same channel, channel account and provider message id) is not
    stored again; it is reported with `duplicate: true`. Triage and routing run after the answer.
    """
    messages = payload if isinstance(payload, list) else [payload]
    if len(messages) > beacon.settings.max_batch:
        raise Problem(
            413, "Batch too large", f"at most {beacon.settings.max_batch} messages per request",
            "batch_too_large",
        )
    _check_scope(request, beacon, grant, messages)
    accepted = beacon.store(messages)
    fresh = [a.message_id for a in accepted if not a.duplicate]
    if fresh:
        background.add_task(beacon.transport.publish, fresh)
    return IntakeReceipt(
        accepted=[AcceptedMessage(id=a.message_id, provider_message_id=a.provider_message_id,
                                  duplicate=a.duplicate) for a in accepted]
    )


def _check_scope(request: Request, beacon: Beacon, grant: Grant, messages: list[InboundMessage]) -> None:
    """Every message for the token's force and accounts, or the whole batch is refused."""
    for message in messages:
        channel, account = message.channel.value, message.channel_account
        if beacon.forces.force_for(channel, account) != grant.force_id or not grant.covers(channel, account):
            raise refused(request, out_of_scope(grant, f"the token may not post for {channel} account {account}"))
