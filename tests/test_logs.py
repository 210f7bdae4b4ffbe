"""Log lines of `beacon serve` and `beacon worker`: JSON lines or text, chosen by a setting."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from datetime import datetime

import pytest
from pydantic import ValidationError

from beacon.config import Settings
from beacon.logs import JsonLogFormatter, TextLogFormatter, configure_logging, uvicorn_log_config


def _record(message: str, *args: object, name: str = "beacon.pipeline.worker",
            level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, message, args or None, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_has_time_level_logger_message_and_the_extra_fields() -> None:
    line = JsonLogFormatter().format(_record("served the priority lane", worker="w-1", shard=3,
                                             message_ids=[7, 9]))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "info" and entry["logger"] == "beacon.pipeline.worker"
    assert entry["message"] == "served the priority lane"
    assert (entry["worker"], entry["shard"], entry["message_ids"]) == ("w-1", 3, [7, 9])
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0
    assert set(entry) == {"time", "level", "logger", "message", "worker", "shard", "message_ids"}


def test_an_exception_stays_on_its_json_line_and_odd_extras_are_written_as_text() -> None:
    try:
        raise RuntimeError("database went away")
    except RuntimeError:
        record = _record("worker round failed", level=logging.ERROR, at=datetime(2026, 11, 28, 23, 0))
        record.exc_info = __import__("sys").exc_info()
    line = JsonLogFormatter().format(record)
    assert len(line.splitlines()) == 1
    entry = json.loads(line)
    assert "RuntimeError: database went away" in entry["error"]
    assert entry["at"] == "2026-11-28 23:00:00" and entry["level"] == "error"


def test_an_access_line_names_its_parts() -> None:
    record = _record('%s - "%s %s HTTP/%s" %d', "10.0.0.5:4000", "POST", "/api/v1/messages",
                     "1.1", 202, name="uvicorn.access", color_message="\x1b[1m...")
    entry = json.loads(JsonLogFormatter().format(record))
    assert "color_message" not in entry  # uvicorn's terminal copy of the message
    assert entry["message"] == '10.0.0.5:4000 - "POST /api/v1/messages HTTP/1.1" 202'
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/api/v1/messages", 202)


def test_text_lines_keep_the_extra_fields_as_key_value_pairs() -> None:
    line = TextLogFormatter().format(_record("claimed idle entries", worker="w-1", shard=2, entries=5))
    assert line.endswith("INFO beacon.pipeline.worker: claimed idle entries worker=w-1 shard=2 entries=5")


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("log_format, formatter", [("json", JsonLogFormatter), ("text", TextLogFormatter)])
def test_the_setting_chooses_the_format_for_every_logger(
    monkeypatch: pytest.MonkeyPatch, restore_root_logging: None, log_format: str,
    formatter: type[logging.Formatter],
) -> None:
    monkeypatch.setenv("BEACON_LOG_FORMAT", log_format)
    monkeypatch.setenv("BEACON_LOG_LEVEL", "warning")
    settings = Settings()
    handler = configure_logging(settings.log_format, settings.log_level)
    assert isinstance(handler.formatter, formatter)
    assert logging.getLogger().level == logging.WARNING
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.config.dictConfig(uvicorn_log_config())  # as `beacon serve` hands it to uvicorn
    logging.getLogger("uvicorn.error").warning("shutting down")
    logging.getLogger("beacon.pipeline.worker").info("not at warning level")
    [line] = stream.getvalue().splitlines()
    assert "shutting down" in line
    if log_format == "json":
        assert json.loads(line)["logger"] == "uvicorn.error"


def test_an_unknown_log_format_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEACON_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError):
        Settings()
