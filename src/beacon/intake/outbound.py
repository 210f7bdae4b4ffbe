"""Replies out: the provider request a reply becomes, sending it, and reading the answer.

Each channel module builds a `ProviderRequest` from a `ReplyTarget` (who to answer, on which
account and thread) and reads the provider's response into a `ReplyOutcome`. The outbox
sender calls `send` after the reply row is committed, then records the outcome; on a retryable
failure it waits `backoff_delay(attempt)` and tries again with the same idempotency key.

Only some providers honour an idempotency key; every request carries one in `Idempotency-Key`
so fake providers in tests (and any provider that supports it) can drop a repeated send.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from beacon.intake.errors import ReplyError
from beacon.intake.status import ReplyStatus
from beacon.messages import Channel, InboundMessage

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class ReplyTarget:
    """Who a reply goes to, taken from the citizen's message it answers."""

    channel: Channel
    channel_account: str
    recipient_id: str
    recipient_handle: str | None = None
    thread_ref: str | None = None
    in_reply_to: str | None = None

    @classmethod
    def for_message(cls, message: InboundMessage) -> ReplyTarget:
        return cls(
            channel=message.channel,
            channel_account=message.channel_account,
            recipient_id=message.author.id,
            recipient_handle=message.author.handle,
            thread_ref=message.thread_ref,
            in_reply_to=message.provider_message_id,
        )


@dataclass(frozen=True, repr=False)
class ProviderRequest:
    """One HTTP call to a provider. `secrets` are masked wherever the request is shown."""

    method: str
    url: str
    idempotency_key: str
    headers: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    secrets: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"ProviderRequest({self.method} {self.redacted_url()}, key={self.idempotency_key})"

    def redacted_url(self) -> str:
        url = self.url
        for secret in self.secrets:
            if secret:
                url = url.replace(secret, "***")
        return url


@dataclass(frozen=True)
class ReplyOutcome:
    status: ReplyStatus
    provider_message_id: str | None = None
    retryable: bool = False
    error_code: str | None = None  # "credentials", "rate_limited", "transport", provider code
    error_detail: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not ReplyStatus.FAILED


def sent(provider_message_id: str | None, status: ReplyStatus = ReplyStatus.SENT) -> ReplyOutcome:
    return ReplyOutcome(status=status, provider_message_id=provider_message_id)


def failed(
    code: str, detail: str, *, retryable: bool, retry_after: float | None = None
) -> ReplyOutcome:
    return ReplyOutcome(ReplyStatus.FAILED, None, retryable, code, detail[:500], retry_after)


def failure_from_http(status_code: int, code: str, detail: str) -> ReplyOutcome:
    """Shared rules: 401/403 mean our credentials stopped working; 429 and 5xx are retryable."""
    if status_code in (401, 403):
        return failed("credentials", detail, retryable=False)
    if status_code == 429:
        return failed("rate_limited", detail, retryable=True)
    return failed(code, detail, retryable=status_code >= 500)


def json_body(content: bytes) -> dict[str, Any]:
    """The response body as a JSON object, or {} when it is not one."""
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


ResponseReader = Callable[[int, bytes], ReplyOutcome]


def send(client: httpx.Client, request: ProviderRequest, read: ResponseReader) -> ReplyOutcome:
    """Make the call and read the answer. A timeout is retryable: the provider may not have it."""
    headers = {**request.headers, IDEMPOTENCY_HEADER: request.idempotency_key}
    try:
        response = client.request(
            request.method, request.url, headers=headers, json=request.json, data=request.form
        )
    except httpx.TimeoutException:
        return failed("transport", "timed out", retryable=True)
    except httpx.TransportError as error:
        return failed("transport", type(error).__name__, retryable=True)
    return read(response.status_code, response.content)


def backoff_delay(
    attempt: int, *, base: float = 2.0, cap: float = 900.0, rng: random.Random | None = None
) -> float:
    """Seconds to wait before retry `attempt` (1, 2, ...): capped exponential, full jitter."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random.Random()).uniform(ceiling / 2, ceiling)


def check_length(text: str, limit: int, channel: str) -> None:
    if not text.strip():
        raise ReplyError("reply text is empty")
    if len(text) > limit:
        raise ReplyError(f"reply is {len(text)} characters; {channel} allows {limit}")


def join_url(base_url: str, *parts: str) -> str:
    return "/".join([base_url.rstrip("/"), *(p.strip("/") for p in parts)])
