"""Dead sign-in sessions are pruned (issue 14): the hourly `session-prune` job deletes rows no
request can use any more (revoked, idle past the timeout, past the lifetime), exactly as a
request decides, and keeps the live ones. On Beacon's injected clock; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.staff.sessions import end_session, start_session, token_hash
from beacon.store.tables import User
from beacon.store.tables_accounts import StaffSession
from beacon.web.app import create_app
from tests.test_http import PASSWORD, sign_in


@pytest.fixture
def ann(any_beacon: Beacon) -> Iterator[Beacon]:
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="ann", password=PASSWORD, role=Role.HANDLER)
    yield any_beacon


def session_row(beacon: Beacon, *, started_ago: timedelta, seen_ago: timedelta, revoked: bool = False) -> str:
    """A session of ann's started and last used so long before Beacon's clock; its token."""
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        user = session.scalars(select(User).where(User.username == "ann")).one()
        token = start_session(session, user, now - started_ago)
        session.execute(update(StaffSession).where(StaffSession.token_hash == token_hash(token))
                        .values(last_seen_at=now - seen_ago))
        if revoked:
            end_session(session, token, now - seen_ago)
    return token


def prune(beacon: Beacon) -> int:
    [job] = [job for job in beacon.periodic_jobs if job.name == "session-prune"]
    return int(job.run())  # type: ignore[call-overload]


def remaining(beacon: Beacon) -> set[str]:
    with beacon.read_session_factory() as session:
        return set(session.scalars(select(StaffSession.token_hash)))


def test_the_job_deletes_revoked_idle_and_too_old_sessions_and_keeps_the_live_ones(ann: Beacon) -> None:
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    live = session_row(ann, started_ago=hour, seen_ago=5 * minute)
    at_the_idle_limit = session_row(ann, started_ago=hour, seen_ago=30 * minute)  # a request still takes it
    revoked = session_row(ann, started_ago=hour, seen_ago=5 * minute, revoked=True)
    idle = session_row(ann, started_ago=hour, seen_ago=31 * minute)
    too_old = session_row(ann, started_ago=13 * hour, seen_ago=minute)  # busy, but past the 12 hours
    assert prune(ann) == 3
    assert remaining(ann) == {token_hash(live), token_hash(at_the_idle_limit)}
    ann.clock.advance(minutes=1)  # the clock moves on: the one at the limit is idle now
    assert prune(ann) == 1 and remaining(ann) == {token_hash(live)}
    del revoked, idle, too_old


def test_a_signed_in_browser_stays_in_and_a_signed_out_cookie_stays_out(ann: Beacon) -> None:
    with TestClient(create_app(ann)) as browser, TestClient(create_app(ann)) as left:
        sign_in(browser, "ann")
        token = sign_in(left, "ann")
        copied = left.cookies["beacon_session"]
        assert left.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
        assert prune(ann) == 1
        assert browser.get("/api/v1/cases").status_code == 200
        thief = TestClient(create_app(ann))
        thief.cookies.set("beacon_session", copied)
        assert thief.get("/api/v1/cases").status_code == 401  # no row now, refused as before
        ann.clock.advance(minutes=31)
        assert prune(ann) == 1 and remaining(ann) == set()
        assert browser.get("/api/v1/cases").status_code == 401
