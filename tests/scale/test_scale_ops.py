"""Readiness, metrics, the lag the control room sees, and replaying what the pipeline gave up on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, select

from beacon.bootstrap import Beacon
from beacon.pipeline.redis_streams import RedisStreamsTransport, connect
from beacon.pipeline.transport import replay_failed
from beacon.pipeline.worker import Worker, WorkerOptions
from beacon.staff.accounts import Role, create_user
from beacon.staff.api_tokens import Permission
from beacon.store.tables import DeadLetter, Message
from beacon.web.app import create_app
from tests.builders import inbound, message_data
from tests.scale.conftest import drain, layout_of, with_settings as _with
from tests.tokens import intake_headers

PASSWORD = "correct horse battery"


def sign_in(client: TestClient, username: str) -> None:
    """Through the sign-in form, as a browser does."""
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _client(beacon: Beacon) -> TestClient:
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    # An integration's token for intake and one Prometheus would hold for /metrics (issue 14).
    headers = intake_headers(beacon, permissions=(Permission.INTAKE, Permission.METRICS))
    return TestClient(create_app(beacon), headers=headers)


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with _client(beacon) as test_client:
        yield test_client


def _families(client: TestClient) -> dict[str, Metric]:
    """Scrape /metrics and parse it as Prometheus does: a malformed exposition fails here."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def _gauge(families: dict[str, Metric], name: str) -> float:
    family = families[name]
    assert family.type == "gauge"
    [sample] = family.samples
    return float(sample.value)


def _sample(families: dict[str, Metric], family: str, sample: str, **labels: str) -> float:
    return sum(s.value for s in families[family].samples
               if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()))


def test_embedded_mode_is_ready_and_reports_no_lag(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True}
    client.post("/api/v1/messages", json=message_data(text="He has a knife"))
    families = _families(client)
    assert _gauge(families, "beacon_messages_unprocessed") == 0
    assert _gauge(families, "beacon_oldest_unprocessed_seconds") == 0
    assert "beacon_stream_backlog" not in families  # no streams in the embedded mode


def test_not_ready_when_the_database_does_not_answer(beacon: Beacon) -> None:
    with _client(beacon) as client:
        beacon.read_session_factory.configure(bind=create_engine("sqlite:////nonexistent/dir/x.db"))
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    problem = ready.json()
    assert problem["code"] == "not_ready" and problem["checks"] == {"database": False}
    assert "database" in problem["detail"]


def test_the_lag_is_for_signed_in_staff(client: TestClient) -> None:
    assert client.get("/api/v1/ops/lag").status_code == 401
    sign_in(client, "ann")
    lag = client.get("/api/v1/ops/lag").json()
    assert lag["unprocessed"] == 0 and lag["stream_backlog"] is None


@pytest.mark.postgres
@pytest.mark.redis
def test_intake_keeps_acknowledging_while_workers_lag_and_the_lag_shows(
    dist_beacon: Beacon, redis_client: redis.Redis
) -> None:
    with _client(dist_beacon) as client:
        assert client.get("/readyz").json()["checks"] == {"database": True, "redis": True}
        texts = ["He has a knife", "thanks", "my bike was stolen", "boom"]  # boom: triage fails
        for n, text in enumerate(texts):
            response = client.post("/api/v1/messages", json=message_data(text=f"{text} {n}"))
            assert response.status_code == 202
        families = _families(client)
        assert _gauge(families, "beacon_stream_backlog") == 4
        assert _gauge(families, "beacon_stream_priority_backlog") == 1  # the knife
        assert _gauge(families, "beacon_messages_unprocessed") == 4
        sign_in(client, "ann")
        assert client.get("/api/v1/ops/lag").json()["unprocessed"] == 4
        room = client.get("/control-room/live").text  # the control room sees the backlog
        assert 'data-lag="backlog">4<' in room and 'data-lag="priority">1<' in room

        before = _families(client)
        worker = Worker(_with(dist_beacon, max_attempts=1), redis_client, WorkerOptions(name="w"))
        worker.prepare()
        assert drain(worker) == 4
        families = _families(client)
        assert _gauge(families, "beacon_stream_backlog") == 0
        assert _gauge(families, "beacon_messages_unprocessed") == 0
        assert _gauge(families, "beacon_dead_letters_pipeline_unresolved") == 1

    def grew(family: str, sample: str, **labels: str) -> float:
        return _sample(families, family, sample, **labels) - _sample(before, family, sample, **labels)

    assert grew("beacon_pipeline_messages", "beacon_pipeline_messages_total", outcome="processed") == 3
    assert grew("beacon_pipeline_messages", "beacon_pipeline_messages_total", outcome="dead_letter") == 1
    assert grew("beacon_pipeline_latency_seconds", "beacon_pipeline_latency_seconds_count") == 3
    assert grew("beacon_pipeline_batch_seconds", "beacon_pipeline_batch_seconds_count") >= 1
    assert families["beacon_pipeline_latency_seconds"].type == "histogram"


@pytest.mark.postgres
@pytest.mark.redis
def test_not_ready_when_redis_is_unreachable(dist_beacon: Beacon) -> None:
    dist_beacon.transport = RedisStreamsTransport(connect("redis://127.0.0.1:1/0"),
                                                  dist_beacon.session_factory, layout_of(dist_beacon))
    with _client(dist_beacon) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["checks"] == {"database": True, "redis": False}


def test_a_dead_lettered_message_can_be_replayed_through_the_pipeline(beacon: Beacon) -> None:
    [failed] = beacon.ingest([inbound(text="boom")])
    with beacon.read_session_factory() as session:
        [letter] = session.scalars(select(DeadLetter))
    assert replay_failed(beacon.session_factory, beacon.transport, [letter.id]) == [failed.message_id]
    with beacon.read_session_factory() as session:
        letters = list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
        state = session.get_one(Message, failed.message_id).state
    # It ran again (the fake triage still explodes): the first letter is resolved, a new one kept.
    assert [d.resolved_at is not None for d in letters] == [True, False]
    assert state == "failed"
    assert replay_failed(beacon.session_factory, beacon.transport, None) == [failed.message_id]


