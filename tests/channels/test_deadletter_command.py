"""`beacon deadletter list` and `retry`: what was kept is re-parsed and stored once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from beacon.bootstrap import bootstrap_store
from beacon.cli import app
from beacon.config import Settings
from beacon.store.tables import DeadLetter, Message
from tests.intake.intake_fixtures import fixture_bytes

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    from beacon.cli import _register

    _register()
    values = {"BEACON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "BEACON_VAR_DIR": str(tmp_path)}
    assert runner.invoke(app, ["migrate"], env=values).exit_code == 0
    return values


def _add_letters(env: dict[str, str]) -> None:
    store = bootstrap_store(Settings(database_url=env["BEACON_DATABASE_URL"]))
    with store.session_factory.begin() as session:
        session.add(DeadLetter(source="webhook:telegram", reason="payload_malformed: old parser bug",
                               raw_body=fixture_bytes("telegram", "message_text.json").decode(),
                               content_type="application/json"))
        session.add(DeadLetter(source="webhook:meta", reason="payload_malformed: not JSON",
                               raw_body="{not json", content_type="application/json"))
        session.add(DeadLetter(source="pipeline", reason="stage failed", raw_body="", content_type=None))
    store.engine.dispose()


def _messages(env: dict[str, str]) -> int:
    store = bootstrap_store(Settings(database_url=env["BEACON_DATABASE_URL"]))
    with store.read_session_factory() as session:
        return int(session.scalar(select(func.count(Message.id))) or 0)


def test_list_then_retry_one_then_all(env: dict[str, str]) -> None:
    _add_letters(env)
    listed = runner.invoke(app, ["deadletter", "list"], env=env)
    assert listed.exit_code == 0 and "3 dead letter(s)" in listed.output
    fixed = runner.invoke(app, ["deadletter", "retry", "1"], env=env)
    assert fixed.exit_code == 0, fixed.output
    assert "1: resolved, 1 new message(s)" in fixed.output
    assert _messages(env) == 1
    rest = runner.invoke(app, ["deadletter", "retry", "--all"], env=env)
    assert rest.exit_code == 1  # the unreadable one still fails; the pipeline one is not offered
    assert "2: still failing" in rest.output and "retried 1" in rest.output
    assert _messages(env) == 1
    assert "2 dead letter(s)" in runner.invoke(app, ["deadletter", "list"], env=env).output


def test_retry_needs_an_id_or_all(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["deadletter", "retry"], env=env).exit_code == 2
