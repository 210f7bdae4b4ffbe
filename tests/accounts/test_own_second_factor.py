"""A user's own second factor on `/account` (issue 14): see whether one is set up, set one up
or replace it (the old one works until a code from the new key confirms it; then every session
ends and this browser goes on), drop a replacement, regenerate recovery codes. The current
password first, a wrong one counting towards the lockout; every step audited. SQLite and
PostgreSQL, through the app; codes made by pyotp on the fake clock."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user, enrol_user_totp
from beacon.staff.totp import verify_second_factor
from beacon.store.tables import User
from beacon.store.tables_accounts import StaffTotp
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.accounts.test_second_factor import csrf, password_step, send_code, signed_in
from tests.test_http import PASSWORD


@pytest.fixture
def hal(any_beacon: Beacon) -> Iterator[Beacon]:
    with any_beacon.session_factory.begin() as session:
        create_user(session, force_slug="demo", username="hal", password=PASSWORD, role=Role.HANDLER)
    yield any_beacon


def browser(beacon: Beacon) -> TestClient:
    return TestClient(create_app(beacon))


def sign_in_with(client: TestClient, beacon: Beacon, secret: str | None) -> None:
    step = password_step(client, "hal")
    if secret is not None:
        assert step == "/login/code"
        assert send_code(client, "/login/code", pyotp.TOTP(secret).at(beacon.clock.now())).status_code == 303
    assert signed_in(client)


def post(client: TestClient, path: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf(client.get("/account").text), **fields},
                       follow_redirects=False)


def new_key(client: TestClient) -> str:
    page = client.get("/account")
    assert page.headers["cache-control"] == "no-store"
    return re.search(r'<code class="totp-secret">([A-Z2-7]+)</code>', page.text).group(1)  # type: ignore[union-attr]


def reasons(beacon: Beacon) -> list[str]:
    with beacon.read_session_factory() as session:
        return [e.reason for e in session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "user", AuditEvent.action == "changed").order_by(AuditEvent.id))]


def factor_row(beacon: Beacon) -> StaffTotp | None:
    with beacon.read_session_factory() as session:
        user_id = session.scalars(select(User.id).where(User.username == "hal")).one()
        return session.get(StaffTotp, user_id)


def test_a_user_sets_up_a_second_factor_from_the_account_page(hal: Beacon) -> None:
    with browser(hal) as client, browser(hal) as elsewhere:
        sign_in_with(client, hal, None)
        sign_in_with(elsewhere, hal, None)
        assert "Not set up" in client.get("/account").text
        assert post(client, "/account/second-factor", current=PASSWORD).status_code == 303
        secret = new_key(client)
        wrong = post(client, "/account/second-factor/confirm", code="000000")
        assert wrong.status_code == 400 and "Not changed" in wrong.text
        done = post(client, "/account/second-factor/confirm", code=pyotp.TOTP(secret).at(hal.clock.now()))
        assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
        assert len(re.findall(r"<li><code>[0-9a-f]{8}-[0-9a-f]{8}</code></li>", done.text)) == 10
        assert signed_in(client) and not signed_in(elsewhere)  # a new factor is a new sign-in elsewhere
        assert "10 recovery codes left" in client.get("/account").text
    hal.clock.advance(seconds=30)
    with browser(hal) as later:
        sign_in_with(later, hal, secret)  # the next sign-in asks for its code
    assert reasons(hal) == ["second factor set-up started by the user", "second factor set up by the user"]


def test_a_replacement_leaves_the_old_factor_working_until_its_code_confirms_it(hal: Beacon) -> None:
    with hal.session_factory.begin() as session:
        old = enrol_user_totp(session, "hal", "Beacon", hal.clock.now())[0].secret
    hal.clock.advance(seconds=30)
    with browser(hal) as client:
        sign_in_with(client, hal, old)
        assert post(client, "/account/second-factor", current=PASSWORD).status_code == 303
        first = new_key(client)
        assert post(client, "/account/second-factor/cancel").status_code == 303
        assert "Replace it" in client.get("/account").text and factor_row(hal).replacement_secret is None  # type: ignore[union-attr]
        assert post(client, "/account/second-factor", current=PASSWORD).status_code == 303
        new = new_key(client)
        assert new != first
        hal.clock.advance(seconds=30)
        with hal.session_factory.begin() as session:  # the old factor still signs in meanwhile
            assert verify_second_factor(session, session.get_one(User, factor_row(hal).user_id),  # type: ignore[union-attr]
                                        pyotp.TOTP(old).at(hal.clock.now()), hal.clock.now())
        assert post(client, "/account/second-factor/confirm", code=pyotp.TOTP(new).at(hal.clock.now())).status_code == 200
        assert signed_in(client)
    hal.clock.advance(seconds=30)
    with browser(hal) as thief:
        assert password_step(thief, "hal") == "/login/code"
        assert send_code(thief, "/login/code", pyotp.TOTP(old).at(hal.clock.now())).status_code == 400
        assert send_code(thief, "/login/code", pyotp.TOTP(new).at(hal.clock.now())).status_code == 303
    assert reasons(hal)[1:] == ["second factor replacement started by the user",
                                "second factor replacement abandoned by the user",
                                "second factor replacement started by the user", "second factor replaced by the user"]


def test_a_wrong_current_password_changes_nothing_and_counts_towards_the_lockout(hal: Beacon) -> None:
    with browser(hal) as client:
        sign_in_with(client, hal, None)
        refused = post(client, "/account/second-factor", current="not my password")
        assert refused.status_code == 400 and "current password is not right" in refused.text
        codes = post(client, "/account/recovery-codes", current=PASSWORD)
        assert codes.status_code == 400 and "no second factor" in codes.text
    assert factor_row(hal) is None and reasons(hal) == []
    with hal.read_session_factory() as session:
        failures = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")))
    assert [e.reason for e in failures][-1].endswith("wrong current password on the account page")


def test_new_recovery_codes_replace_every_old_one(hal: Beacon) -> None:
    with hal.session_factory.begin() as session:
        secret, old_codes = enrol_user_totp(session, "hal", "Beacon", hal.clock.now())
    hal.clock.advance(seconds=30)
    with browser(hal) as client:
        sign_in_with(client, hal, secret.secret)
        page = post(client, "/account/recovery-codes", current=PASSWORD)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        new_codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", page.text)
        assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
        assert signed_in(client)  # the factor itself is unchanged: no session ends
    with browser(hal) as other:
        assert password_step(other, "hal") == "/login/code"
        assert send_code(other, "/login/code", old_codes[0]).status_code == 400
        assert send_code(other, "/login/code", new_codes[0]).status_code == 303
    assert reasons(hal)[-1] == "recovery codes regenerated by the user"
