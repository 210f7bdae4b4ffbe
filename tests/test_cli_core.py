"""The command line: migrate, user add, replay (JSONL and CSV), with clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from beacon.bootstrap import bootstrap
from beacon.cli import app, main  # noqa: F401 - main registers the command modules
from beacon.config import Settings
from beacon.store.tables import DeadLetter, Message, User
from tests.builders import message_data

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    from beacon.cli import _register

    _register()
    return {"BEACON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "BEACON_VAR_DIR": str(tmp_path)}


def _count(env: dict[str, str], model: type) -> int:
    beacon = bootstrap(Settings(database_url=env["BEACON_DATABASE_URL"], var_dir=env["BEACON_VAR_DIR"]),
                       triage_engine=object())  # type: ignore[arg-type]
    with beacon.read_session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_migrate_then_add_a_user(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    result = runner.invoke(app, ["user", "add", "ann", "--role", "supervisor", "--password", "a long password"], env=env)
    assert result.exit_code == 0, result.output
    assert _count(env, User) == 1


def test_user_add_refuses_a_short_password(env: dict[str, str]) -> None:
    runner.invoke(app, ["migrate"], env=env)
    result = runner.invoke(app, ["user", "add", "ann", "--password", "short"], env=env)
    assert result.exit_code == 2 and "at least 12 characters" in result.output


def test_replay_jsonl_stores_each_message_once(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["migrate"], env=env)
    rows = [message_data(), message_data()]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows + rows[:1]) + "\n")
    result = runner.invoke(app, ["replay", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "replayed 2 new, 1 already stored, 0 rejected" in result.output
    assert _count(env, Message) == 2


def test_replay_csv_with_flat_author_columns(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["migrate"], env=env)
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["channel", "channel_account", "provider_message_id", "author_id",
                                         "author_name", "text", "created_at", "ignored_column"])
        writer.writeheader()
        writer.writerow({"channel": "webform", "channel_account": "contact-form", "provider_message_id": "F1",
                         "author_id": "anon-1", "author_name": "Jo", "text": "my bike was stolen",
                         "created_at": "2026-11-28T23:00:00Z", "ignored_column": "x"})
    result = runner.invoke(app, ["replay", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "replayed 1 new, 0 already stored, 0 rejected" in result.output
    beacon = bootstrap(Settings(database_url=env["BEACON_DATABASE_URL"], var_dir=env["BEACON_VAR_DIR"]),
                       triage_engine=object())  # type: ignore[arg-type]
    with beacon.read_session_factory() as session:
        message = session.scalars(select(Message)).one()
    assert (message.author_id, message.author_name, message.channel) == ("anon-1", "Jo", "webform")
    assert message.raw["ignored_column"] == "x"  # the row is kept verbatim


def test_replay_keeps_bad_rows_as_dead_letters_and_exits_non_zero(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["migrate"], env=env)
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(message_data()) + "\n{not json\n" + json.dumps({"channel": "sms"}) + "\n")
    result = runner.invoke(app, ["replay", str(path)], env=env)
    assert result.exit_code == 1
    assert "replayed 1 new, 0 already stored, 2 rejected" in result.output
    assert _count(env, DeadLetter) == 2


def test_replay_of_a_missing_file_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(tmp_path / "nope.jsonl")], env=env)
    assert result.exit_code == 2 and "no such file" in result.output


def test_replay_refuses_an_unknown_format(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "in.xml"
    path.write_text("<x/>")
    result = runner.invoke(app, ["replay", str(path)], env=env)
    assert result.exit_code == 2 and ".jsonl or .csv" in result.output


def test_audit_verify_reports_intact_and_broken_chains(env: dict[str, str]) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    from beacon.audit import Action, Actor, append_event

    runner.invoke(app, ["migrate"], env=env)
    beacon = bootstrap(Settings(database_url=env["BEACON_DATABASE_URL"], var_dir=env["BEACON_VAR_DIR"]),
                       triage_engine=object())  # type: ignore[arg-type]
    with beacon.session_factory.begin() as session:
        for n in range(3):
            append_event(session, actor=Actor.system(), action=Action.CREATED, object_type="case",
                         object_id=n, at=datetime(2026, 11, 29, tzinfo=UTC))
    ok = runner.invoke(app, ["audit", "verify"], env=env)
    assert ok.exit_code == 0 and "3 events verified" in ok.output
    with beacon.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET actor_name = 'someone else' WHERE id = 2"))
    broken = runner.invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1 and "at event 2" in broken.output
