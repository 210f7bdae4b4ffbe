"""Which webhook channels this deployment takes, with their secrets bound from `Settings`.

Each entry pairs a channel module's `verify` (secret already bound) with its `parse`. A channel
whose secret is not configured is absent: its route answers 503 instead of verifying against an
empty secret. Parsers need no secret, so dead letters can be re-parsed with `parser_for` on a
machine that holds none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from beacon.config import Settings
from beacon.intake import email_in, meta, telegram, twilio_sms, whatsapp, x
from beacon.intake.results import ParseResult
from beacon.intake.signatures import public_url

# raw body, headers, the request's path and query (Twilio signs the URL it called)
Verifier = Callable[[bytes, Mapping[str, str], str, str], None]
# raw body, received at, size limit
Parser = Callable[[bytes, datetime, int], ParseResult]

CHANNELS = ("meta", "whatsapp", "twilio_sms", "x", "telegram")


@dataclass(frozen=True)
class WebhookChannel:
    name: str
    verify: Verifier
    parse: Parser


def parser_for(name: str, settings: Settings) -> Parser | None:
    """The parser of a webhook channel (or `email`), by the name its dead letters carry."""
    parsers: dict[str, Parser] = {
        "meta": lambda raw, at, limit: meta.parse(raw, received_at=at, max_bytes=limit),
        "whatsapp": lambda raw, at, limit: whatsapp.parse(raw, received_at=at, max_bytes=limit),
        "twilio_sms": lambda raw, at, limit: twilio_sms.parse(raw, received_at=at, max_bytes=limit),
        "x": lambda raw, at, limit: x.parse(raw, received_at=at, max_bytes=limit),
        "telegram": lambda raw, at, limit: telegram.parse(
            raw, channel_account=settings.telegram_bot_name, received_at=at, max_bytes=limit
        ),
        "email": lambda raw, at, limit: email_in.parse(
            raw, channel_account=settings.mail_address or None, received_at=at
        ),
    }
    return parsers.get(name)


def configured(name: str, settings: Settings) -> WebhookChannel | None:
    """The channel with its secret bound, or None when its secret is not configured."""
    verifier = _verifiers(settings).get(name)
    parser = parser_for(name, settings)
    if verifier is None or parser is None:
        return None
    return WebhookChannel(name, verifier, parser)


def _verifiers(settings: Settings) -> dict[str, Verifier]:
    found: dict[str, Verifier] = {}
    meta_secret = settings.meta_app_secret.get_secret_value()
    whatsapp_secret = settings.whatsapp_app_secret.get_secret_value() or meta_secret
    twilio_token = settings.twilio_auth_token.get_secret_value()
    x_secret = settings.x_consumer_secret.get_secret_value()
    x_client = settings.x_client_secret.get_secret_value()
    telegram_secret = settings.telegram_secret_token.get_secret_value()
    if meta_secret:
        found["meta"] = lambda raw, headers, _p, _q: meta.verify(raw, headers, app_secret=meta_secret)
    if whatsapp_secret:
        found["whatsapp"] = lambda raw, headers, _p, _q: whatsapp.verify(
            raw, headers, app_secret=whatsapp_secret
        )
    if twilio_token and settings.public_base_url:
        base = settings.public_base_url
        found["twilio_sms"] = lambda raw, headers, path, query: twilio_sms.verify(
            raw, headers, auth_token=twilio_token, url=public_url(base, path, query)
        )
    if x_secret or x_client:
        found["x"] = lambda raw, headers, _p, _q: x.verify(
            raw, headers, consumer_secret=x_secret, client_secret=x_client
        )
    if telegram_secret:
        found["telegram"] = lambda raw, headers, _p, _q: telegram.verify(
            raw, headers, secret_token=telegram_secret
        )
    return found
