"""Operations endpoints: readiness, Prometheus metrics, and the pipeline's lag for the desk.

`/healthz` (in app.py) says the process is alive; `/readyz` says it can do its job: the database
answers and, in the distributed mode, Redis does too. A load balancer sends intake only to ready
processes. `/metrics` is for Prometheus: restrict it to the monitoring network at the proxy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.pipeline import metrics
from beacon.store.tables import DeadLetter, Message
from beacon.web.deps import ApiViewer, BeaconDep
from beacon.web.problems import problem_response

router = APIRouter()


@dataclass(frozen=True)
class Lag:
    unprocessed: int  # stored, not yet through the pipeline
    oldest_unprocessed_seconds: float  # 0 when none waits
    failed_unresolved: int  # pipeline dead letters nobody has replayed
    stream_backlog: int | None  # entries in the Redis streams, both lanes (None: embedded mode)
    stream_pending: int | None  # of which in a worker's hands
    stream_priority_backlog: int | None  # of which in the priority lane (likely P1s)


def pipeline_lag(beacon: Beacon, force_id: int | None = None) -> Lag:
    with beacon.read_session_factory() as session:
        unprocessed, oldest = _unprocessed(session, force_id)
        failed = _failed(session, force_id)
    backlog, pending, priority = _stream_state(beacon)
    age = (beacon.clock.now() - oldest).total_seconds() if oldest else 0.0
    return Lag(unprocessed, max(0.0, age), failed, backlog, pending, priority)


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
def prometheus_metrics(request: Request) -> Response:
    beacon: Beacon = request.app.state.beacon
    own, content_type = metrics.exposition()
    return Response(own + _shared_gauges(pipeline_lag(beacon)).encode(), media_type=content_type)


@router.get("/api/v1/ops/lag", tags=["operations"], summary="How far the pipeline is behind")
def lag(viewer: ApiViewer, beacon: BeaconDep) -> dict[str, object]:
    """Your force's unprocessed messages and the oldest one's age; the streams' backlog."""
    return asdict(pipeline_lag(beacon, viewer.force_id))


def _unprocessed(session: Session, force_id: int | None) -> tuple[int, datetime | None]:
    query = select(func.count(Message.id), func.min(Message.received_at)).where(
        Message.state == "received")
    if force_id is not None:
        query = query.where(Message.force_id == force_id)
    count, oldest = session.execute(query).one()
    return int(count), oldest


def _failed(session: Session, force_id: int | None) -> int:
    query = select(func.count(DeadLetter.id)).where(
        DeadLetter.source == "pipeline", DeadLetter.resolved_at.is_(None))
    if force_id is not None:
        query = query.join(Message, Message.id == DeadLetter.message_id).where(
            Message.force_id == force_id)
    return int(session.scalar(query) or 0)


def _stream_state(beacon: Beacon) -> tuple[int | None, int | None, int | None]:
    """(backlog of both lanes, pending, priority lane backlog); Nones when there are no streams."""
    if beacon.settings.transport != "redis":
        return None, None, None
    import redis

    from beacon.pipeline.redis_streams import RedisStreamsTransport, backlog, pending, total_backlog

    transport = beacon.transport
    assert isinstance(transport, RedisStreamsTransport)
    client, layout = transport.client, transport.layout
    try:
        return (total_backlog(client, layout), pending(client, layout),
                sum(backlog(client, layout, priority=True).values()))
    except redis.RedisError:
        return None, None, None


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
