"""Prometheus metrics of the pipeline: what each process published, processed and how fast.

Every process (`beacon serve`, each `beacon worker`) counts its own work; Prometheus sums them.
The shared state (stream backlog, unprocessed messages, dead letters) is read at scrape time by
`web/ops.py`, so it is right however many processes there are.

prometheus-client is optional: without it the metrics are no-ops and /metrics says so.
"""

from __future__ import annotations

from typing import Any

try:
    import prometheus_client as _prom
except ImportError:  # pragma: no cover - exercised only where the library is missing
    _prom = None  # type: ignore[assignment]

AVAILABLE = _prom is not None

# Seconds from a message's arrival to its commit as processed: 999-call thinking puts P1s in the
# first buckets, so they are fine-grained below a second.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)


class _Nothing:
    """Stands in for a metric when prometheus-client is not installed."""

    def labels(self, *_args: Any, **_kwargs: Any) -> _Nothing:
        return self

    def inc(self, _amount: float = 1) -> None: ...

    def observe(self, _value: float) -> None: ...

    def set(self, _value: float) -> None: ...


def _counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Any:
    return _prom.Counter(name, doc, labels) if _prom else _Nothing()


def _histogram(name: str, doc: str, buckets: tuple[float, ...]) -> Any:
    return _prom.Histogram(name, doc, buckets=buckets) if _prom else _Nothing()


PUBLISHED = _counter("beacon_stream_published", "Message ids added to the pipeline streams")
PUBLISH_FAILURES = _counter(
    "beacon_stream_publish_failures", "Message ids not published (Redis down): the sweeper re-publishes"
)
CLAIMED = _counter("beacon_stream_claimed", "Pending entries taken over from an idle consumer")
SWEPT = _counter("beacon_pipeline_swept", "Unprocessed messages re-published by the sweeper")
PROCESSED = _counter(
    "beacon_pipeline_messages", "Messages through the pipeline by outcome", ("outcome",)
)
BATCH_SECONDS = _histogram(
    "beacon_pipeline_batch_seconds", "Time to process and commit one batch",
    (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LATENCY_SECONDS = _histogram(
    "beacon_pipeline_latency_seconds", "From a message's arrival to its commit as processed",
    LATENCY_BUCKETS,
)


def exposition() -> tuple[bytes, str]:
    """This process's metrics in the text format, with its content type."""
    if _prom is None:
        return b"# prometheus-client is not installed\n", "text/plain; charset=utf-8"
    return _prom.generate_latest(), _prom.CONTENT_TYPE_LATEST


def serve_http(port: int, host: str = "127.0.0.1") -> None:
    """A worker's own /metrics on a port of its own (workers have no web app)."""
    if _prom is not None:
        _prom.start_http_server(port, addr=host)
