"""Careful reading of untrusted provider payloads.

Parsers read JSON through `Node`, which names the path of anything missing or mistyped, so a
bad payload becomes a `PayloadMalformed` that says where, never a KeyError or TypeError.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import phonenumbers
from pydantic import ValidationError

from beacon.intake.errors import IntakeError, PayloadMalformed, PayloadTooLarge
from beacon.intake.results import ParseResult, Rejection
from beacon.messages import InboundMessage

DEFAULT_MAX_BYTES = 1_000_000
TEXT_LIMIT = 20_000


def ensure_size(raw_body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    if len(raw_body) > max_bytes:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {max_bytes}")


def load_json(raw_body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    ensure_size(raw_body, max_bytes)
    try:
        return json.loads(raw_body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise PayloadMalformed(f"body is not UTF-8 ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise PayloadMalformed(f"body is not JSON: {error.msg} at {error.pos}") from None
    except RecursionError:
        raise PayloadMalformed("JSON nested too deeply") from None


def load_form(raw_body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body, every value kept (keys may repeat)."""
    ensure_size(raw_body, max_bytes)
    try:
        text = raw_body.decode("ascii")
        return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise PayloadMalformed("form body is not URL-encoded UTF-8") from None
    except ValueError as error:
        raise PayloadMalformed(f"form body unreadable: {error}") from None


class Node:
    """A JSON value and the path that led to it."""

    __slots__ = ("value", "path")

    def __init__(self, value: Any, path: str = "$") -> None:
        self.value = value
        self.path = path

    def _field(self, key: str) -> Any:
        if not isinstance(self.value, dict):
            raise PayloadMalformed("expected an object", path=self.path)
        return self.value.get(key)

    def _wrong(self, key: str, expected: str) -> PayloadMalformed:
        return PayloadMalformed(f"expected {expected}", path=f"{self.path}.{key}")

    def has(self, key: str) -> bool:
        return self._field(key) is not None

    def opt_child(self, key: str) -> Node | None:
        value = self._field(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._wrong(key, "an object")
        return Node(value, f"{self.path}.{key}")

    def child(self, key: str) -> Node:
        found = self.opt_child(key)
        if found is None:
            raise self._wrong(key, "an object")
        return found

    def items(self, key: str) -> list[Node]:
        """Elements of a list (missing means empty); each element may be any JSON value."""
        value = self._field(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "a list")
        return [Node(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(value)]

    def opt_string(self, key: str) -> str | None:
        value = self._field(key)
        if value is None or isinstance(value, str):
            return value
        raise self._wrong(key, "a string")

    def string(self, key: str) -> str:
        value = self.opt_string(key)
        if not value:
            raise self._wrong(key, "a non-empty string")
        return value

    def opt_ident(self, key: str) -> str | None:
        """An id that providers send as a string or an integer (Telegram, some Meta fields)."""
        value = self._field(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self._wrong(key, "an id")
        return str(value) if str(value) else None

    def ident(self, key: str) -> str:
        value = self.opt_ident(key)
        if value is None:
            raise self._wrong(key, "an id")
        return value

    def opt_number(self, key: str) -> float | None:
        value = self._field(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self._wrong(key, "a number")
        try:
            return float(value)
        except (ValueError, OverflowError):
            raise self._wrong(key, "a number") from None

    def number(self, key: str) -> float:
        value = self.opt_number(key)
        if value is None:
            raise self._wrong(key, "a number")
        return value

    def flag(self, key: str) -> bool:
        return self._field(key) is True


def root(value: Any) -> Node:
    node = Node(value)
    if not isinstance(value, dict):
        raise PayloadMalformed("expected a JSON object", path="$")
    return node


def from_epoch(seconds: float, path: str = "$") -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadMalformed(f"timestamp {seconds!r} out of range", path=path) from None


def from_epoch_ms(millis: float, path: str = "$") -> datetime:
    return from_epoch(millis / 1000, path)


def from_iso(text: str, path: str = "$") -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadMalformed(f"not an ISO 8601 time: {text[:40]!r}", path=path) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def e164(number: str, region: str = "GB") -> str:
    """A phone number in E.164 so one person links across SMS and WhatsApp.

    Short codes and alphanumeric sender ids are not numbers: they are kept as sent.
    """
    cleaned = number.strip()
    try:
        parsed = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return cleaned
    if not phonenumbers.is_possible_number(parsed):
        return cleaned
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clip(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


@contextmanager
def model_errors() -> Iterator[None]:
    """Turn a model's validation failure (a latitude of 500, a 3 KB id) into PayloadMalformed."""
    try:
        yield
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayloadMalformed(f"field {where or '?'}: {first['msg']}") from None


def build_message(**fields: Any) -> InboundMessage:
    """An InboundMessage, or PayloadMalformed naming the field the provider got wrong."""
    fields["text"] = clip(fields.get("text") or "", TEXT_LIMIT)
    with model_errors():
        return InboundMessage(**fields)


def collect(result: ParseResult, item: Node, read: Callable[[Node, ParseResult], None]) -> None:
    """Read one item of a batch; a bad item is recorded as rejected, its neighbours still read."""
    try:
        with model_errors():
            read(item, result)
    except IntakeError as error:
        result.rejected.append(Rejection(error.code, error.reason, error.path, item.value))
