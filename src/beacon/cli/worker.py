"""`beacon worker`: a pipeline worker of the distributed mode; `beacon replay-failed`."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from beacon.cli import app
from beacon.cli.core import _beacon, console, fail

# LogRecord attributes that are not `extra=` fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logs(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="consumer name (default host-pid)")] = None,
    metrics_port: Annotated[int, typer.Option(help="serve /metrics here; 0: none")] = 0,
    metrics_host: Annotated[str, typer.Option()] = "127.0.0.1",
    log_level: Annotated[str, typer.Option()] = "INFO",
) -> None:
    """Process messages from the Redis streams (BEACON_TRANSPORT=redis) until SIGTERM."""
    from beacon.pipeline import metrics
    from beacon.pipeline.redis_streams import connect
    from beacon.pipeline.worker import Worker, WorkerOptions, default_name, stop_on_signals

    configure_json_logs(log_level)
    beacon = _beacon()
    if beacon.settings.transport != "redis":
        raise fail("beacon worker needs BEACON_TRANSPORT=redis (the embedded mode has no workers)")
    if metrics_port:
        metrics.serve_http(metrics_port, metrics_host)
    stop = threading.Event()
    stop_on_signals(stop, [signal.SIGTERM, signal.SIGINT])
    name = name or default_name()
    _rebuild_noise(beacon)
    client = connect(beacon.settings.redis_url, client_name=f"beacon-worker:{name}")
    Worker(beacon, client, WorkerOptions(name=name)).run(stop)


def _rebuild_noise(beacon: Any) -> None:
    """Start from the noise log's window, outside any lock, instead of rebuilding each force under
    its lock on the first batch. A database not up yet is no reason to die: the worker waits for
    it like for Redis, and the trackers are then rebuilt on first use."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        beacon.noise.rebuild(beacon.read_session_factory, beacon.clock.now())
    except SQLAlchemyError as error:
        logging.getLogger(__name__).warning("noise rebuild at start failed; rebuilt on first use",
                                            extra={"error": str(error)})


@app.command("replay-failed")
def replay_failed_command(
    letter_id: Annotated[int | None, typer.Argument(help="a pipeline dead letter's id")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every unresolved pipeline dead letter")] = False,
) -> None:
    """Send messages whose processing was dead-lettered through the pipeline again."""
    from beacon.pipeline.transport import replay_failed

    if (letter_id is None) == (not all_):
        raise fail("give a dead letter id or --all (not both)")
    beacon = _beacon()
    replayed = replay_failed(beacon.session_factory, beacon.transport,
                             None if all_ else [letter_id] if letter_id is not None else [])
    console.print(f"re-queued {len(replayed)} message(s)")
