"""`beacon worker`: a pipeline worker of the distributed mode; `beacon replay-failed`."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from beacon.cli import app
from beacon.cli.core import _beacon, console, fail


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="consumer name (default host-pid)")] = None,
    metrics_port: Annotated[int, typer.Option(help="serve /metrics here; 0: none")] = 0,
    metrics_host: Annotated[str, typer.Option()] = "127.0.0.1",
    log_level: Annotated[str | None, typer.Option(help="default BEACON_LOG_LEVEL")] = None,
) -> None:
    """Process messages from the Redis streams (BEACON_TRANSPORT=redis) until SIGTERM."""
    from beacon.config import Settings
    from beacon.logs import configure_logging
    from beacon.pipeline import metrics
    from beacon.pipeline.redis_streams import connect
    from beacon.pipeline.worker import Worker, WorkerOptions, default_name, stop_on_signals

    settings = Settings()
    configure_logging(settings.log_format, log_level or settings.log_level)
    beacon = _beacon()
    if beacon.settings.transport != "redis":
        raise fail("beacon worker needs BEACON_TRANSPORT=redis (the embedded mode has no workers)")
    if metrics_port:
        metrics.serve_http(metrics_port, metrics_host)
    stop = threading.Event()
    stop_on_signals(stop, [signal.SIGTERM, signal.SIGINT])
    name = name or default_name()
    client = connect(beacon.settings.redis_url, client_name=f"beacon-worker:{name}")
    Worker(beacon, client, WorkerOptions(name=name)).run(stop)


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
