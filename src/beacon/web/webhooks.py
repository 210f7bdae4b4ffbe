"""Provider webhooks: /webhooks/meta, /whatsapp, /twilio/sms, /x, /telegram.

Thin: the raw bytes go to `intake.deliveries.receive`, which verifies the signature before
parsing and commits before this route answers 2xx. Signature failures answer 401/403 (counted,
nothing stored); a verified payload that cannot be read answers 200 (the provider's retry would
fail the same way) and is kept as a dead letter; a channel without a secret answers 503.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from beacon.intake import meta, x
from beacon.intake.deliveries import Intake, receive
from beacon.intake.errors import SignatureError, SignatureMissing, VerificationError
from beacon.intake.webhook_channels import WebhookChannel, configured
from beacon.web.deps import BeaconDep
from beacon.web.problems import Problem

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _channel(beacon: Any, name: str) -> WebhookChannel:
    channel = configured(name, beacon.settings)
    if channel is None:
        raise Problem(503, "Channel not configured",
                      f"no secret is configured for {name}; see docs/channels.md",
                      "channel_not_configured")
    return channel


async def _deliver(request: Request, background: BackgroundTasks, name: str) -> Intake:
    beacon = request.app.state.beacon
    channel = _channel(beacon, name)
    raw = await request.body()
    try:
        intake: Intake = await run_in_threadpool(
            receive, beacon, channel, raw, headers=dict(request.headers),
            path=request.url.path, query=request.url.query,
            content_type=request.headers.get("content-type"),
        )
    except SignatureMissing as error:
        raise Problem(401, "Signature missing", error.reason, error.code) from None
    except SignatureError as error:
        raise Problem(403, "Signature does not match", error.reason, error.code) from None
    if intake.fresh:
        background.add_task(beacon.transport.publish, intake.fresh)
    return intake


def _receipt(intake: Intake) -> JSONResponse:
    return JSONResponse({
        "stored": len(intake.fresh), "duplicates": intake.duplicates,
        "automated": intake.automated, "statuses": intake.statuses,
        "dead_letter": intake.dead_letter_id,
    })


def _handshake(beacon: Any, request: Request) -> PlainTextResponse:
    token = beacon.settings.meta_verify_token.get_secret_value()
    if not token:
        raise Problem(503, "Channel not configured", "no Meta verify token is configured",
                      "channel_not_configured")
    try:
        challenge = meta.verify_subscription(dict(request.query_params), token)
    except VerificationError as error:
        raise Problem(403, "Subscription refused", error.reason, error.code) from None
    return PlainTextResponse(challenge)


@router.get("/meta", summary="Meta subscription handshake")
def meta_handshake(request: Request, beacon: BeaconDep) -> PlainTextResponse:
    return _handshake(beacon, request)


@router.post("/meta", summary="Messenger, Instagram and Page feed events")
async def meta_events(request: Request, background: BackgroundTasks) -> JSONResponse:
    return _receipt(await _deliver(request, background, "meta"))


@router.get("/whatsapp", summary="WhatsApp subscription handshake")
def whatsapp_handshake(request: Request, beacon: BeaconDep) -> PlainTextResponse:
    return _handshake(beacon, request)


@router.post("/whatsapp", summary="WhatsApp Cloud API messages and statuses")
async def whatsapp_events(request: Request, background: BackgroundTasks) -> JSONResponse:
    return _receipt(await _deliver(request, background, "whatsapp"))


@router.post("/twilio/sms", summary="Twilio inbound SMS and status callbacks")
async def twilio_sms_events(request: Request, background: BackgroundTasks) -> Response:
    await _deliver(request, background, "twilio_sms")
    return Response(_EMPTY_TWIML, media_type="text/xml")  # "do nothing more" in TwiML


@router.get("/x", summary="X challenge-response check (CRC)")
def x_crc(beacon: BeaconDep, crc_token: str = "") -> JSONResponse:
    settings = beacon.settings
    secret = x.crc_secret(settings.x_consumer_secret.get_secret_value(),
                          settings.x_client_secret.get_secret_value())
    if not secret:
        raise Problem(503, "Channel not configured", "no X consumer or client secret is configured",
                      "channel_not_configured")
    if not crc_token or len(crc_token) > 1000:
        raise Problem(400, "Bad request", "crc_token is missing or too long", "crc_token_invalid")
    return JSONResponse(x.crc_response(crc_token, consumer_secret=secret))


@router.post("/x", summary="X Account Activity and X Activity API events")
async def x_events(request: Request, background: BackgroundTasks) -> JSONResponse:
    return _receipt(await _deliver(request, background, "x"))


@router.post("/telegram", summary="Telegram bot updates")
async def telegram_events(request: Request, background: BackgroundTasks) -> JSONResponse:
    return _receipt(await _deliver(request, background, "telegram"))
