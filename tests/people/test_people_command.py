"""`beacon people merge|unmerge|show`: the same rules as the web, non-zero on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.bootstrap import bootstrap_store
from beacon.cli import app
from beacon.config import Settings
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force
from beacon.store.tables import Identity, Person
from beacon.store.tables_audit import AuditEvent

runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    from beacon.cli import _register

    _register()
    values = {"BEACON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "BEACON_VAR_DIR": str(tmp_path)}
    assert runner.invoke(app, ["migrate"], env=values).exit_code == 0
    return values


def _persons(env: dict[str, str]) -> tuple[int, int]:
    store = bootstrap_store(Settings(database_url=env["BEACON_DATABASE_URL"]))
    with store.session_factory.begin() as session:
        force = ensure_force(session, "demo", "Demo")
        create_user(session, force_slug="demo", username="ada", password=PASSWORD, role=Role.ADMIN)
        create_user(session, force_slug="demo", username="hal", password=PASSWORD, role=Role.HANDLER)
        a, b = Person(force_id=force.id, display_name="Dan"), Person(force_id=force.id, display_name="Dan W")
        session.add_all([a, b])
        session.flush()
        session.add(Identity(force_id=force.id, person_id=b.id, channel="email", external_id="dan@example.org"))
        ids = (a.id, b.id)
    store.engine.dispose()
    return ids


def test_merge_show_unmerge_round_trip_with_audit(env: dict[str, str]) -> None:
    a, b = _persons(env)
    merged = runner.invoke(app, ["people", "merge", str(a), str(b), "--as", "ada", "--basis", "consent",
                                 "--reason", "he confirmed by phone"], env=env)
    assert merged.exit_code == 0, merged.output
    assert "1 identities" in merged.output
    shown = runner.invoke(app, ["people", "show", str(a), "--as", "ada"], env=env)
    assert shown.exit_code == 0 and "dan@example.org" in shown.output and "in force" in shown.output
    merge_id = merged.output.split("merge ")[1].split(":")[0]
    undone = runner.invoke(app, ["people", "unmerge", merge_id, "--as", "ada", "--reason", "two Dans"], env=env)
    assert undone.exit_code == 0, undone.output
    store = bootstrap_store(Settings(database_url=env["BEACON_DATABASE_URL"]))
    with store.read_session_factory() as session:
        assert session.scalar(select(Identity.person_id)) == b
        reasons = session.scalars(select(AuditEvent.reason).where(AuditEvent.object_type == "person")).all()
    assert any("he confirmed by phone" in r for r in reasons) and any("two Dans" in r for r in reasons)


@pytest.mark.parametrize("args, says", [
    (["--as", "ada", "--basis", "hunch", "--reason", "x"], "basis must be one of"),
    (["--as", "hal", "--basis", "consent", "--reason", "x"], "needs an admin or supervisor"),
    (["--as", "nobody", "--basis", "consent", "--reason", "x"], "no active user"),
])
def test_bad_input_is_refused_with_a_clear_error(env: dict[str, str], args: list[str], says: str) -> None:
    a, b = _persons(env)
    result = runner.invoke(app, ["people", "merge", str(a), str(b), *args], env=env)
    assert result.exit_code == 2 and says in result.output


def test_an_unknown_person_is_not_found(env: dict[str, str]) -> None:
    _persons(env)
    result = runner.invoke(app, ["people", "show", "999", "--as", "ada"], env=env)
    assert result.exit_code == 2 and "not found: person 999" in result.output
