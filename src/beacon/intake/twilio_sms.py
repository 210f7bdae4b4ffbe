"""Twilio-style SMS webhooks (form-encoded), status callbacks, and replies via Messages API.

Register `/webhooks/twilio/sms` as the number's "A message comes in" webhook (HTTP POST); the
same URL receives status callbacks for replies. Twilio signs the *public* URL it called, so
`verify` needs `url` rebuilt from the configured public base (`signatures.public_url`), not the
address a reverse proxy forwarded to.

Twilio sends form fields (`application/x-www-form-urlencoded`) by default. Where it sends JSON
instead, the URL it calls carries `bodySHA256` and the signature covers that URL alone;
`verify` checks it that way, and `parse` reads the JSON object's fields by the same names
(`MessageSid`, `From`, `To`, `Body`, `NumMedia`, `MessageStatus`, ...).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from beacon.intake.errors import PayloadMalformed, PayloadUnsupported
from beacon.intake.outbound import (
    ProviderRequest,
    ReplyOutcome,
    ReplyTarget,
    check_length,
    failure_from_http,
    join_url,
    json_body,
    sent,
)
from beacon.intake.payload import (
    DEFAULT_MAX_BYTES,
    build_message,
    e164,
    load_form,
    load_json,
    model_errors,
)
from beacon.intake.results import DeliveryStatus, ParseResult
from beacon.intake.signatures import (
    twilio_url_body_hash,
    verify_twilio_json_body,
    verify_twilio_signature,
)
from beacon.intake.status import ReplyStatus, status_from_provider
from beacon.messages import Author, Channel, MediaRef, utc_now

TEXT_LIMIT = 1600  # Twilio's maximum Body
_INBOUND_STATES = ("received", "receiving")
_MEDIA_LIMIT = 10  # Twilio delivers at most 10 media items per message


def verify(raw_body: bytes, headers: Mapping[str, str], *, auth_token: str, url: str) -> None:
    if twilio_url_body_hash(url) is not None:
        verify_twilio_json_body(url, raw_body, headers, auth_token)
    else:
        verify_twilio_signature(url, load_form(raw_body), headers, auth_token)


class _Form:
    """The first value of each form field (Twilio sends each once)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields

    def get(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise PayloadMalformed("field missing", path=name)
        return value

    def raw(self) -> dict[str, Any]:
        return {k: v[0] if len(v) == 1 else v for k, v in self.fields.items()}


def parse(
    raw_body: bytes,
    *,
    channel_account: str | None = None,
    received_at: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """An inbound SMS, or a status callback for a reply. Account defaults to our number (E.164)."""
    form = _Form(_fields(raw_body, max_bytes))
    received = received_at or utc_now()
    if form.require("From").startswith("whatsapp:"):
        raise PayloadUnsupported(
            "WhatsApp via Twilio is not handled; use the Cloud API", path="From"
        )
    state = (form.get("MessageStatus") or form.get("SmsStatus") or "received").lower()
    result = ParseResult()
    with model_errors():
        if state in _INBOUND_STATES:
            result.messages.append(_inbound(form, channel_account, received))
        else:
            _status_callback(form, state, channel_account, received, result)
    return result


def _fields(raw_body: bytes, max_bytes: int) -> dict[str, list[str]]:
    """Form fields, or a JSON object's top-level values as fields (a form never starts with
    `{`: the brace would be percent-encoded)."""
    if not raw_body.lstrip().startswith(b"{"):
        return load_form(raw_body, max_bytes)
    data = load_json(raw_body, max_bytes)
    if not isinstance(data, dict):
        raise PayloadMalformed("expected a JSON object", path="$")
    return {
        str(name): [str(value)]
        for name, value in data.items()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool)
    }


def _inbound(form: _Form, account: str | None, received: datetime) -> Any:
    sender = e164(form.require("From"))
    own = account or e164(form.require("To"))
    return build_message(
        channel=Channel.SMS,
        channel_account=own,
        provider_message_id=form.get("MessageSid") or form.require("SmsSid"),
        author=Author(id=sender, handle=sender),
        text=form.get("Body") or "",
        media=_media(form),
        thread_ref=f"sms:{own}:{sender}",
        created_at=received,  # Twilio sends no timestamp: arrival is the best we know
        received_at=received,
        raw=form.raw(),
    )


def _media(form: _Form) -> list[MediaRef]:
    try:
        count = min(int(form.get("NumMedia") or "0"), _MEDIA_LIMIT)
    except ValueError:
        raise PayloadMalformed("not a number", path="NumMedia") from None
    media = []
    for index in range(max(count, 0)):
        mime = form.get(f"MediaContentType{index}")
        kind = (mime or "file").split("/")[0]
        media.append(
            MediaRef(
                kind=kind if kind in ("image", "video", "audio") else "file",
                url=form.require(f"MediaUrl{index}"),
                mime_type=mime,
            )
        )
    return media


def _status_callback(
    form: _Form, state: str, account: str | None, received: datetime, result: ParseResult
) -> None:
    ours = status_from_provider(state)
    if ours is None:
        result.ignored.append(f"status.{state}")
        return
    result.statuses.append(
        DeliveryStatus(
            channel=Channel.SMS,
            channel_account=account or e164(form.require("From")),  # our number sent the reply
            status=ours,
            at=received,
            provider_message_id=form.get("MessageSid") or form.require("SmsSid"),
            error_code=form.get("ErrorCode"),
            error_detail=form.get("ErrorMessage"),
            raw=form.raw(),
        )
    )


@dataclass(frozen=True, repr=False)
class TwilioAccount:
    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    status_callback_url: str | None = None
    base_url: str = "https://api.twilio.com"


def build_reply(
    target: ReplyTarget, text: str, *, account: TwilioAccount, idempotency_key: str
) -> ProviderRequest:
    check_length(text, TEXT_LIMIT, "SMS")
    form = {"To": target.recipient_id, "Body": text}
    if account.messaging_service_sid:
        form["MessagingServiceSid"] = account.messaging_service_sid
    else:
        form["From"] = account.from_number or target.channel_account
    if account.status_callback_url:
        form["StatusCallback"] = account.status_callback_url
    url = join_url(account.base_url, "2010-04-01/Accounts", account.account_sid, "Messages.json")
    basic = base64.b64encode(f"{account.account_sid}:{account.auth_token}".encode()).decode()
    return ProviderRequest(
        "POST", url, idempotency_key, {"Authorization": f"Basic {basic}"}, form=form
    )


def read_reply_response(status_code: int, content: bytes) -> ReplyOutcome:
    body = json_body(content)
    if 200 <= status_code < 300:
        status = status_from_provider(str(body.get("status") or "queued")) or ReplyStatus.QUEUED
        sid = body.get("sid")
        return sent(str(sid) if sid else None, status)
    code = body.get("code")
    detail = str(body.get("message") or f"HTTP {status_code}")
    return failure_from_http(
        status_code, f"twilio_{code}" if code else f"http_{status_code}", detail
    )
