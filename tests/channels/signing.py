"""Signing deliveries the way each provider does, for tests and the benchmark."""

from __future__ import annotations

from urllib.parse import parse_qs

from beacon.intake import signatures
from tests.channels.conftest import (
    META_SECRET,
    PUBLIC,
    TELEGRAM_SECRET,
    TWILIO_TOKEN,
    X_CLIENT_SECRET,
    X_SECRET,
)


def meta_headers(body: bytes, secret: str = META_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": signatures.hub_signature(body, secret),
            "Content-Type": "application/json"}


def x_headers(body: bytes, secret: str = X_SECRET) -> dict[str, str]:
    return {"x-twitter-webhooks-signature": signatures.x_signature(body, secret),
            "Content-Type": "application/json"}


def x_oauth2_headers(body: bytes, secret: str = X_CLIENT_SECRET) -> dict[str, str]:
    return {signatures.X_OAUTH2_HEADER: signatures.x_signature(body, secret),
            "Content-Type": "application/json"}


def twilio_headers(body: bytes, path: str = "/webhooks/twilio/sms",
                   token: str = TWILIO_TOKEN) -> dict[str, str]:
    params = parse_qs(body.decode(), keep_blank_values=True)
    signature = signatures.twilio_signature(PUBLIC + path, params, token)
    return {"X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}


def telegram_headers(secret: str = TELEGRAM_SECRET) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}


def signed(channel: str, body: bytes) -> dict[str, str]:
    return {
        "meta": meta_headers, "whatsapp": meta_headers, "x": x_headers,
        "twilio/sms": twilio_headers, "telegram": lambda b: telegram_headers(),
    }[channel](body)
