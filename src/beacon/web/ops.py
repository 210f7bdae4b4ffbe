"""Operations endpoints: readiness, Prometheus metrics, and the pipeline's lag for the desk.

`/healthz` (in app.py) says the process is alive; `/readyz` says it can do its job: the database
answers and, in the distributed mode, Redis does too. A load balancer sends intake only to ready
processes. `/metrics` is for Prometheus and needs an API token with the metrics permission
(Prometheus sends it as `authorization: {credentials: …}`); its figures are the whole system's.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from beacon.bootstrap import Beacon
from beacon.pipeline import metrics
from beacon.pipeline.lag import Lag, pipeline_lag
from beacon.web.api_auth import MetricsGrant
from beacon.web.deps import ApiViewer, BeaconDep
from beacon.web.problems import problem_response

router = APIRouter()


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request, beacon: BeaconDep) -> JSONResponse:
    """200 when ready; else 503 problem+json naming the failed check (for the load balancer)."""
    checks = {"database": _database_ready(beacon)}
    if beacon.settings.transport == "redis":
        checks["redis"] = _redis_ready(beacon)
    if all(checks.values()):
        return JSONResponse({"ready": True, "checks": checks})
    failed = ", ".join(name for name, ok in checks.items() if not ok)
    return problem_response(503, "Not ready", f"not answering: {failed}", "not_ready",
                            request.url.path, ready=False, checks=checks)


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(request: Request, _grant: MetricsGrant) -> Response:
    beacon: Beacon = request.app.state.beacon
    own, content_type = metrics.exposition()
    return Response(own + _shared_gauges(pipeline_lag(beacon)).encode(), media_type=content_type)


@router.get("/api/v1/ops/lag", tags=["operations"], summary="How far the pipeline is behind")
def lag(viewer: ApiViewer, beacon: BeaconDep) -> dict[str, object]:
    """Your force's unprocessed messages and the oldest one's age; the streams' backlog."""
    return asdict(pipeline_lag(beacon, viewer.force_id))


def _shared_gauges(state: Lag) -> str:
    """The whole system's state, the same from every process (so take max, not sum, of it)."""
    gauges = {
        "beacon_messages_unprocessed": ("Messages stored and not yet processed", state.unprocessed),
        "beacon_oldest_unprocessed_seconds": (
            "Age of the oldest unprocessed message", state.oldest_unprocessed_seconds),
        "beacon_dead_letters_pipeline_unresolved": (
            "Messages the pipeline gave up on, not yet replayed", state.failed_unresolved),
        "beacon_stream_backlog": ("Entries in the pipeline streams", state.stream_backlog),
        "beacon_stream_pending": ("Stream entries in a worker's hands", state.stream_pending),
        "beacon_stream_priority_backlog": (
            "Entries in the priority lane (likely P1s)", state.stream_priority_backlog),
    }
    lines = []
    for name, (doc, value) in gauges.items():
        if value is not None:
            lines += [f"# HELP {name} {doc}", f"# TYPE {name} gauge", f"{name} {float(value)}"]
    return "\n".join(lines) + "\n"


def _database_ready(beacon: Beacon) -> bool:
    try:
        with beacon.read_session_factory() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


def _redis_ready(beacon: Beacon) -> bool:
    import redis

    client = getattr(beacon.transport, "client", None)
    try:
        return bool(client is not None and client.ping())
    except redis.RedisError:
        return False
