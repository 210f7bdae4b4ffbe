"""Replies through Meta's Send API (Messenger, Instagram) and Graph error reading.

Direct messages are answered in the same conversation. Comments and visitor posts get a
*private reply* (a direct message tied to the comment), so a citizen's details never appear
under a public post; `public=True` answers under the comment instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from beacon.intake.outbound import (
    ProviderRequest,
    ReplyOutcome,
    ReplyTarget,
    check_length,
    failed,
    failure_from_http,
    join_url,
    json_body,
    sent,
)
from beacon.messages import Channel

TEXT_LIMIT = 2000  # Messenger's limit; Instagram allows 1000 bytes, checked by Meta itself
# Graph error codes: 190 expired/invalid token, 10/200 permission; 4/17/32/613 rate limits.
_CREDENTIAL_CODES = {190, 10, 200}
_RATE_CODES = {4, 17, 32, 613}


@dataclass(frozen=True, repr=False)
class MetaAccount:
    """One Page (or Instagram account linked to it) the force answers from."""

    account_id: str  # page id (or Instagram account id for Instagram Login)
    access_token: str
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"


def _auth(account: MetaAccount) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.access_token}"}


def build_reply(
    target: ReplyTarget,
    text: str,
    *,
    account: MetaAccount,
    idempotency_key: str,
    public: bool = False,
) -> ProviderRequest:
    check_length(text, TEXT_LIMIT, "Meta")
    body: dict[str, object]
    if public and target.in_reply_to and not _is_direct(target):
        edge = "replies" if target.channel is Channel.INSTAGRAM else "comments"
        item = _unedited(target.in_reply_to)
        url = join_url(account.base_url, account.api_version, item, edge)
        body = {"message": text}
    else:
        url = join_url(account.base_url, account.api_version, account.account_id, "messages")
        body = {"recipient": _recipient(target), "message": {"text": text}}
        if _is_direct(target):
            body["messaging_type"] = "RESPONSE"
    return ProviderRequest("POST", url, idempotency_key, _auth(account), json=body)


def _is_direct(target: ReplyTarget) -> bool:
    return bool(target.thread_ref and target.thread_ref.startswith("dm:"))


def _recipient(target: ReplyTarget) -> dict[str, str]:
    if _is_direct(target) or not target.in_reply_to:
        return {"id": target.recipient_id}
    if _unedited(target.in_reply_to) == target.thread_ref:  # the citizen's own post on the Page
        return {"post_id": target.thread_ref}
    return {"comment_id": _unedited(target.in_reply_to)}


def _unedited(provider_id: str) -> str:
    """The Graph id of an item Beacon stored as an edited version (`<id>@edited:<time>`)."""
    return provider_id.split("@edited:", 1)[0]


def read_reply_response(status_code: int, content: bytes) -> ReplyOutcome:
    body = json_body(content)
    if 200 <= status_code < 300:
        message_id = body.get("message_id") or body.get("id")
        return sent(str(message_id) if message_id else None)
    return read_graph_error(status_code, body)


def read_graph_error(status_code: int, body: dict[str, object]) -> ReplyOutcome:
    error = body.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    detail = str(error.get("message") or f"HTTP {status_code}")
    if code in _CREDENTIAL_CODES:
        return failed("credentials", detail, retryable=False)
    if code in _RATE_CODES:
        return failed("rate_limited", detail, retryable=True)
    return failure_from_http(
        status_code, f"graph_{code}" if code else f"http_{status_code}", detail
    )
