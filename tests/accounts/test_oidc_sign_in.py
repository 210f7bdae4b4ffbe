"""Sign-in with the force's OpenID Connect provider, against a provider running in the test
process (tests/accounts/oidc_provider.py): code flow with PKCE, state and nonce checked, the ID
token's signature checked against the provider's JWKS, the person matched to an account. Every
refusal is audited and counts towards the lockout. SQLite and PostgreSQL, through the app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from beacon.staff.accounts import Role, create_user, enrol_user_totp, set_active, set_email
from beacon.staff.oidc import OidcClient, OidcConfig
from beacon.store.tables import User
from beacon.store.tables_accounts import StaffOidcLink
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, ISSUER, LocalProvider, other_key
from tests.conftest import make_beacon
from tests.test_http import PASSWORD

AMY = {"sub": "idp-0001", "email": "amy.jones@force.example", "email_verified": True, "name": "Amy Jones"}


@dataclass
class World:
    beacon: Beacon
    provider: LocalProvider
    client: TestClient


def _world(database_url: str, tmp_path: Path, clock: FakeClock, **settings: Any) -> Iterator[World]:
    beacon = make_beacon(database_url, tmp_path, clock, oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID,
                         oidc_client_secret=CLIENT_SECRET, oidc_provider_name="Force Login",
                         oidc_allowed_domains="force.example", oidc_role_claim="groups",
                         oidc_role_map={"beacon-supervisors": "supervisor"}, **settings)
    provider = LocalProvider(clock)
    beacon.oidc = OidcClient(OidcConfig(ISSUER, CLIENT_ID, CLIENT_SECRET), transport=provider.transport())
    with beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="amy", password=PASSWORD, role=Role.HANDLER)
        set_email(session, "amy", "Amy.Jones@force.example", clock.now())
        create_user(session, force_slug="demo", username="dee", password=PASSWORD, role=Role.HANDLER)
        set_email(session, "dee", "dee@force.example", clock.now())
        set_active(session, "dee", False, clock.now())
    with TestClient(create_app(beacon)) as client:
        yield World(beacon, provider, client)
    beacon.engine.dispose()


@pytest.fixture
def world(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    yield from _world(database_url, tmp_path, clock)


@pytest.fixture
def creating_world(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    yield from _world(database_url, tmp_path, clock, oidc_create_users=True)


def oidc_sign_in(world: World, person: dict[str, Any], *, state: str | None = None) -> httpx.Response:
    """The browser: Beacon's button, the provider's sign-in, back to Beacon with the code."""
    start = world.client.get("/login/oidc?next=/incidents", follow_redirects=False)
    assert start.status_code == 303, start.text
    back = world.provider.authorize(start.headers["location"], person)
    if state is not None:
        query = parse_qs(urlsplit(back).query)
        back = f"/login/oidc/callback?code={query['code'][0]}&state={state}"
    return world.client.get(back.removeprefix("http://testserver"), follow_redirects=False)


def signed_in(client: TestClient) -> bool:
    return client.get("/api/v1/cases").status_code == 200


def events(beacon: Beacon, action: str) -> list[AuditEvent]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def user_id(beacon: Beacon, username: str) -> int:
    with beacon.read_session_factory() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def test_the_login_page_offers_the_provider(world: World) -> None:
    assert "Sign in with Force Login" in world.client.get("/login").text


def test_a_person_the_provider_vouches_for_gets_a_server_side_session(world: World) -> None:
    response = oidc_sign_in(world, AMY)
    assert response.status_code == 303 and response.headers["location"] == "/incidents"
    assert signed_in(world.client)
    signed = events(world.beacon, "signed_in")
    assert [(e.object_id, e.reason) for e in signed] == [(str(user_id(world.beacon, "amy")), "signed in with OIDC")]
    request = world.provider.token_requests[0]
    assert request["code_verifier"] and request["grant_type"] == "authorization_code"  # PKCE
    with world.beacon.read_session_factory() as session:
        link = session.scalars(select(StaffOidcLink)).one()
    assert (link.issuer, link.subject, link.user_id) == (ISSUER, "idp-0001", user_id(world.beacon, "amy"))


def test_after_the_first_time_the_subject_alone_names_the_account(world: World) -> None:
    assert oidc_sign_in(world, AMY).status_code == 303
    world.client.cookies.clear()
    renamed = {**AMY, "email": "amy.smith@force.example"}  # married, renamed at the provider
    assert oidc_sign_in(world, renamed).status_code == 303
    assert signed_in(world.client)
    world.client.cookies.clear()
    impostor = {**AMY, "sub": "idp-0999"}  # someone given Amy's old address later
    assert oidc_sign_in(world, impostor).status_code == 400
    assert not signed_in(world.client)


def test_a_wrong_state_is_refused_before_the_code_is_used(world: World) -> None:
    response = oidc_sign_in(world, AMY, state="forged-state")
    assert response.status_code == 400 and "did not work" in response.text
    assert not signed_in(world.client)
    assert world.provider.token_requests == []  # the code was never exchanged
    failed = events(world.beacon, "sign_in_failed")
    assert len(failed) == 1 and "state" in failed[0].reason and failed[0].object_type == "sign_in"


def test_a_callback_without_a_started_sign_in_is_refused(world: World) -> None:
    response = world.client.get("/login/oidc/callback?code=abc&state=xyz", follow_redirects=False)
    assert response.status_code == 400 and not signed_in(world.client)


def test_a_wrong_nonce_is_refused(world: World) -> None:
    world.provider.nonce_override = "a-nonce-from-another-sign-in"
    assert oidc_sign_in(world, AMY).status_code == 400
    assert not signed_in(world.client)
    assert "nonce" in events(world.beacon, "sign_in_failed")[0].reason


def test_a_token_signed_with_a_key_the_provider_never_published_is_refused(world: World) -> None:
    world.provider.signing_key = other_key()
    assert oidc_sign_in(world, AMY).status_code == 400
    assert not signed_in(world.client)
    assert "signature" in events(world.beacon, "sign_in_failed")[0].reason


def test_an_expired_token_is_refused(world: World) -> None:
    world.provider.lifetime_seconds = -600  # expired ten minutes ago (beyond the minute's leeway)
    assert oidc_sign_in(world, AMY).status_code == 400
    assert not signed_in(world.client)
    assert "claims" in events(world.beacon, "sign_in_failed")[0].reason


def test_an_unknown_person_gets_no_account(world: World) -> None:
    stranger = {"sub": "idp-0777", "email": "sam@force.example", "email_verified": True}
    assert oidc_sign_in(world, stranger).status_code == 400
    assert not signed_in(world.client)
    assert "no Beacon account" in events(world.beacon, "sign_in_failed")[0].reason
    with world.beacon.read_session_factory() as session:
        assert session.scalar(select(User).where(User.username == "sam@force.example")) is None


def test_an_unverified_email_finds_no_account(world: World) -> None:
    assert oidc_sign_in(world, {**AMY, "email_verified": False}).status_code == 400
    assert not signed_in(world.client)


def test_a_deactivated_user_is_refused_and_the_refusal_is_on_their_record(world: World) -> None:
    dee = {"sub": "idp-0002", "email": "dee@force.example", "email_verified": True}
    assert oidc_sign_in(world, dee).status_code == 400
    assert not signed_in(world.client)
    failed = events(world.beacon, "sign_in_failed")[0]
    assert failed.object_id == str(user_id(world.beacon, "dee")) and "deactivated" in failed.reason


def test_a_locked_account_cannot_sign_in_with_the_provider_either(world: World) -> None:
    token = world.client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    for _ in range(5):
        world.client.post("/login", data={"username": "amy", "password": "wrong password!", "csrf_token": token})
    response = oidc_sign_in(world, AMY)
    assert response.status_code == 429 and not signed_in(world.client)
    assert events(world.beacon, "sign_in_refused")


def test_failed_provider_answers_count_towards_the_address_limit(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    for world in _world(database_url, tmp_path, clock, sign_in_address_max_failures=3):
        world.provider.nonce_override = "replayed"
        assert [oidc_sign_in(world, AMY).status_code for _ in range(3)] == [400, 400, 429]
        world.provider.nonce_override = None
        assert world.client.get("/login/oidc", follow_redirects=False).status_code == 429  # refused before leaving
        assert not signed_in(world.client)


def test_the_second_factor_is_still_asked_after_the_provider(world: World, clock: FakeClock) -> None:
    with world.beacon.session_factory.begin() as session:
        enrolment, _ = enrol_user_totp(session, "amy", "Beacon", clock.now())
    response = oidc_sign_in(world, AMY)
    assert response.status_code == 303 and response.headers["location"] == "/login/code"
    assert not signed_in(world.client)
    token = world.client.get("/login/code").text.split('name="csrf_token" value="')[1].split('"')[0]
    code = pyotp.TOTP(enrolment.secret).at(clock.now())
    done = world.client.post("/login/code", data={"code": code, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/incidents"
    assert signed_in(world.client)


def test_new_people_are_created_as_handlers_unless_the_mapping_says_otherwise(creating_world: World) -> None:
    world = creating_world
    ben = {"sub": "idp-0100", "email": "ben@force.example", "email_verified": True, "name": "Ben"}
    assert oidc_sign_in(world, ben).status_code == 303 and signed_in(world.client)
    world.client.cookies.clear()
    sue = {"sub": "idp-0101", "email": "sue@force.example", "email_verified": True,
           "groups": ["staff", "beacon-supervisors"]}
    assert oidc_sign_in(world, sue).status_code == 303
    world.client.cookies.clear()
    outsider = {"sub": "idp-0102", "email": "eve@elsewhere.example", "email_verified": True}
    assert oidc_sign_in(world, outsider).status_code == 400
    with world.beacon.read_session_factory() as session:
        roles = dict(session.execute(select(User.username, User.role).where(User.username.like("%@%"))).all())
    assert roles == {"ben@force.example": "handler", "sue@force.example": "supervisor"}
    assert [e.reason for e in events(world.beacon, "created")] == ["created at first OIDC sign-in"] * 2


def test_the_mapping_changes_an_existing_users_role_and_audits_it(world: World) -> None:
    assert oidc_sign_in(world, {**AMY, "groups": ["beacon-supervisors"]}).status_code == 303
    with world.beacon.read_session_factory() as session:
        assert session.scalars(select(User.role).where(User.username == "amy")).one() == "supervisor"
    changed = [e for e in events(world.beacon, "changed") if e.reason == "role changed"]
    assert changed and changed[0].actor_name == "oidc sign-in"


def test_a_half_or_wrong_configuration_fails_at_start() -> None:
    from beacon.config import Settings
    from beacon.staff.oidc import oidc_client

    assert oidc_client(Settings(oidc_issuer="")) is None
    with pytest.raises(ValueError, match="CLIENT_SECRET"):
        oidc_client(Settings(oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID))
    with pytest.raises(ValueError, match="superuser"):
        oidc_client(Settings(oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                             oidc_role_map={"beacon-root": "superuser"}))
