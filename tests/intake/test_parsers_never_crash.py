"""Property: every parser, fed random, truncated or mutated payloads, returns a result or raises
a typed PayloadError. Nothing else may escape: a crash would lose the delivery."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_fixtures import FIXTURES

from beacon.intake import email_in, meta, signatures, telegram, twilio_sms, whatsapp, x
from beacon.intake.errors import PayloadError, SignatureError
from beacon.intake.results import ParseResult
from beacon.messages import InboundMessage

Parser = Callable[[bytes], ParseResult]

JSON_PARSERS: dict[str, Parser] = {
    "meta": meta.parse,
    "whatsapp": whatsapp.parse,
    "x": x.parse,
    "telegram": lambda raw: telegram.parse(raw, channel_account="bot"),
}
ALL_PARSERS: dict[str, Parser] = {
    **JSON_PARSERS,
    "x-lines": x.parse_v2_lines,
    "twilio": twilio_sms.parse,
    "email": email_in.parse,
}
FIXTURE_CHANNELS = {
    "meta": "meta",
    "whatsapp": "whatsapp",
    "x": "x",
    "telegram": "telegram",
    "x-lines": "x",
    "twilio": "twilio",
    "email": "email",
}
PROPERTY = settings(
    max_examples=int(os.environ.get("INTAKE_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _fixtures(channel: str, suffix: str = "") -> list[bytes]:
    files = sorted((FIXTURES / channel).glob(f"*{suffix}"))
    return [p.read_bytes() for p in files if p.is_file()]


def _must_not_crash(parser: Parser, raw: bytes) -> None:
    try:
        result = parser(raw)
    except PayloadError:
        return
    assert isinstance(result, ParseResult)
    assert all(isinstance(m, InboundMessage) for m in result.messages)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _mutate(value: Any, data: st.DataObject) -> Any:
    """Replace, drop or keep each part of a real payload, so mutations reach deep fields."""
    if data.draw(st.integers(0, 7)) == 0:
        return data.draw(json_values)
    if isinstance(value, dict):
        return {k: _mutate(v, data) for k, v in value.items() if data.draw(st.integers(0, 9))}
    if isinstance(value, list):
        return [_mutate(v, data) for v in value]
    return value


@pytest.mark.parametrize("name", sorted(ALL_PARSERS))
@PROPERTY
@given(raw=st.binary(max_size=400))
def test_random_bytes(name: str, raw: bytes) -> None:
    _must_not_crash(ALL_PARSERS[name], raw)


@pytest.mark.parametrize("name", sorted(ALL_PARSERS))
@PROPERTY
@given(data=st.data())
def test_truncated_fixtures(name: str, data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from(_fixtures(FIXTURE_CHANNELS[name])))
    cut = data.draw(st.integers(0, len(raw)))
    _must_not_crash(ALL_PARSERS[name], raw[:cut])


@pytest.mark.parametrize("name", sorted(JSON_PARSERS))
@PROPERTY
@given(data=st.data())
def test_mutated_json_fixtures(name: str, data: st.DataObject) -> None:
    documents = [json.loads(raw) for raw in _fixtures(name, ".json")]
    mutated = _mutate(data.draw(st.sampled_from(documents)), data)
    _must_not_crash(JSON_PARSERS[name], json.dumps(mutated).encode())


TWILIO_FIELDS = [
    "MessageSid",
    "SmsSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "MessageStatus",
    "SmsStatus",
    "ErrorCode",
]


@PROPERTY
@given(
    fields=st.lists(st.tuples(st.sampled_from(TWILIO_FIELDS), st.text(max_size=30)), max_size=12)
)
def test_random_twilio_forms(fields: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    _must_not_crash(twilio_sms.parse, urlencode(fields).encode())


MAIL_HEADERS = [
    "From",
    "To",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Auto-Submitted",
    "Return-Path",
]


@PROPERTY
@given(
    headers=st.lists(st.tuples(st.sampled_from(MAIL_HEADERS), st.text(max_size=40)), max_size=10),
    body=st.text(max_size=200),
)
def test_random_mail_headers(headers: list[tuple[str, str]], body: str) -> None:
    lines = "".join(f"{n}: {v.replace(chr(10), ' ').replace(chr(13), ' ')}\n" for n, v in headers)
    _must_not_crash(email_in.parse, (lines + "\n" + body).encode("utf-8", "surrogatepass"))


@PROPERTY
@given(
    body=st.binary(max_size=200),
    headers=st.dictionaries(
        st.sampled_from(
            [
                signatures.META_HEADER,
                signatures.X_HEADER,
                signatures.X_OAUTH2_HEADER,
                signatures.TWILIO_HEADER,
                signatures.TELEGRAM_HEADER,
            ]
        ),
        st.text(max_size=60),
        max_size=4,
    ),
)
def test_signature_checks_only_raise_signature_errors(body: bytes, headers: dict[str, str]) -> None:
    checks = [
        lambda: signatures.verify_hub_signature(body, headers, "secret"),
        lambda: signatures.verify_x_signature(body, headers, consumer_secret="secret"),
        lambda: signatures.verify_x_signature(body, headers, client_secret="secret"),
        lambda: twilio_sms.verify(body, headers, auth_token="secret", url="https://b.example/s"),
        lambda: twilio_sms.verify(
            body, headers, auth_token="secret", url="https://b.example/s?bodySHA256=00"
        ),
        lambda: telegram.verify(body, headers, secret_token="secret"),
    ]
    for check in checks:
        with contextlib.suppress(SignatureError, PayloadError):
            check()
