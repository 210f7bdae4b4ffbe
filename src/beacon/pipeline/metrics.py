"""Prometheus metrics of the pipeline: what each process published, processed and how fast.

Every process (`beacon serve`, each `beacon worker`) counts its own work; Prometheus sums them.
The shared state (stream backlog, unprocessed messages, dead letters) is read at scrape time by
`web/ops.py`, so it is right however many processes there are.
"""

from __future__ import annotations

import prometheus_client as prom

# Seconds from a message's arrival to its commit as processed: 999-call thinking puts P1s in the
# first buckets, so they are fine-grained below a second.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)

PUBLISHED = prom.Counter("beacon_stream_published", "Message ids added to the pipeline streams")
PRIORITY_PUBLISHED = prom.Counter(
    "beacon_stream_priority_published", "Message ids the lexicon sent to the priority lane"
)
PUBLISH_FAILURES = prom.Counter(
    "beacon_stream_publish_failures", "Message ids not published (Redis down): the sweeper re-publishes"
)
CLAIMED = prom.Counter("beacon_stream_claimed", "Pending entries taken over from an idle consumer")
SWEPT = prom.Counter("beacon_pipeline_swept", "Unprocessed messages re-published by the sweeper")
PROCESSED = prom.Counter(
    "beacon_pipeline_messages", "Messages through the pipeline by outcome", ("outcome",)
)
BATCH_SECONDS = prom.Histogram(
    "beacon_pipeline_batch_seconds", "Time to process and commit one batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LATENCY_SECONDS = prom.Histogram(
    "beacon_pipeline_latency_seconds", "From a message's arrival to its commit as processed",
    buckets=LATENCY_BUCKETS,
)


def exposition() -> tuple[bytes, str]:
    """This process's metrics in the text format, with its content type."""
    return prom.generate_latest(), prom.CONTENT_TYPE_LATEST


def serve_http(port: int, host: str = "127.0.0.1") -> None:
    """A worker's own /metrics on a port of its own (workers have no web app)."""
    prom.start_http_server(port, addr=host)
