"""Characters no database here can store, replaced before they reach one.

PostgreSQL refuses NUL (U+0000) in text, and a lone surrogate (U+D800..U+DFFF, which JSON can
spell as "\\ud800") cannot be encoded as UTF-8 at all, so SQLite's and psycopg's drivers fail on
it. Either would turn a citizen's message into a server error that a provider retries for ever.
Both are replaced by U+FFFD, the Unicode replacement character: one character for one, so
lengths and limits checked before are still true, and "a\\x00b" stays distinct from "ab".
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
LARGEST_INTEGER = 2**63 - 1  # what SQLite's INTEGER and PostgreSQL's BIGINT hold


class UnstorableValue(ValueError):
    """A value no column can hold (an integer past 64 bits): the input is wrong, not Beacon."""
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(value: str) -> str:
    """The text with NUL and lone surrogates replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, value) if _UNSTORABLE.search(value) else value


def without_surrogates(value: Any) -> Any:
    """A JSON value (keys too) with lone surrogates replaced, and NUL kept.

    Raw payloads keep NUL (JSON stores it escaped as \\u0000, losslessly); a lone surrogate has
    no bytes in any encoding, so replacing it loses nothing that was ever sent.
    """
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(v) for v in value]
    return value


def storable_parameters(value: Any) -> Any:
    """Driver parameters (a dict, a sequence, or a list of those) with every str made storable.

    An integer too large for any column cannot be made storable; it raises UnstorableValue,
    which the web layer answers as a 422 problem (an id of 2**64 finds nothing).
    """
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, int) and not -LARGEST_INTEGER - 1 <= value <= LARGEST_INTEGER:
        raise UnstorableValue(f"the number {value} is too large")
    if isinstance(value, dict):
        return {k: storable_parameters(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(storable_parameters(v) for v in value)
    if isinstance(value, list):
        return [storable_parameters(v) for v in value]
    return value
