"""`beacon scenario night-shift` writes both files and fails clearly on a bad path."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import beacon.cli.scenario  # noqa: F401  (registers the command without importing every CLI module)
from beacon.cli import app

runner = CliRunner()


def test_night_shift_writes_messages_and_truth_beside_them(tmp_path: Path) -> None:
    out = tmp_path / "night.jsonl"
    result = runner.invoke(
        app, ["scenario", "night-shift", "--seed", "3", "--out", str(out), "--messages", "80"]
    )
    assert result.exit_code == 0, result.output
    truth = tmp_path / "night.truth.jsonl"
    messages = out.read_text(encoding="utf-8").splitlines()
    truths = truth.read_text(encoding="utf-8").splitlines()
    assert len(messages) == len(truths) == 80
    assert (
        json.loads(messages[0])["provider_message_id"]
        == json.loads(truths[0])["provider_message_id"]
    )
    assert "By channel:" in result.output and "By priority:" in result.output


def test_night_shift_honours_an_explicit_truth_path(tmp_path: Path) -> None:
    out, truth = tmp_path / "a.jsonl", tmp_path / "elsewhere.jsonl"
    result = runner.invoke(
        app,
        ["scenario", "night-shift", "--out", str(out), "--truth", str(truth), "--messages", "60"],
    )
    assert result.exit_code == 0, result.output
    assert truth.exists()


def test_night_shift_fails_clearly_on_an_unwritable_path(tmp_path: Path) -> None:
    out = tmp_path / "missing-dir" / "night.jsonl"
    result = runner.invoke(app, ["scenario", "night-shift", "--out", str(out)])
    assert result.exit_code != 0
    assert "cannot write" in result.output
    assert not out.exists()


def test_night_shift_rejects_a_silly_size(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["scenario", "night-shift", "--out", str(tmp_path / "n.jsonl"), "--messages", "3"]
    )
    assert result.exit_code != 0
    assert "messages must be between" in result.output


def test_night_shift_date_moves_the_night(tmp_path: Path) -> None:
    out = tmp_path / "n.jsonl"
    args = [
        "scenario",
        "night-shift",
        "--out",
        str(out),
        "--messages",
        "60",
        "--date",
        "2026-01-02",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["created_at"].startswith("2026-01-02T22:")
