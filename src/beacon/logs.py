"""Log lines for `beacon serve` and `beacon worker`: text for a terminal, JSON lines for a
collector (BEACON_LOG_FORMAT=json), so a log pipeline can search by worker, shard or message id
without parsing prose.

Fields given with `extra=` (worker, shard, message_ids, error...) are kept as fields in both.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# LogRecord attributes that are not `extra=` fields (color_message: uvicorn's ANSI-coloured copy).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "color_message"}
# uvicorn's access lines carry their parts as arguments: named, they can be queried.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The record's `extra=` fields, and an access line's parts."""
    fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
        fields.update(zip(_ACCESS_FIELDS, record.args, strict=True))
    return fields


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in fields_of(record).items() if k not in entry})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        # default=str: an extra that JSON cannot hold (a datetime, an exception) still logs.
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextLogFormatter(logging.Formatter):
    """`time level logger: message key=value ...` for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in fields_of(record).items() if k not in _ACCESS_FIELDS}
        if not fields:
            return line
        first, newline, rest = line.partition("\n")  # a traceback stays below the fields
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{first} {pairs}{newline}{rest}"


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonLogFormatter, "text": TextLogFormatter}


def configure_logging(log_format: str, level: str = "INFO") -> logging.Handler:
    """One stderr handler on the root logger; uvicorn's loggers are pointed at it by `serve`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    return handler


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own loggers, sent to the root handler (so they share its format) instead of
    uvicorn's default handlers."""
    loggers = ("uvicorn", "uvicorn.error", "uvicorn.access")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {name: {"handlers": [], "propagate": True} for name in loggers},
    }
