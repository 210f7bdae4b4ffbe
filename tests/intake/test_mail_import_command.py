"""`beacon mail import --jsonl`: JSONL out (no database), one record per message, automated mail, error."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from intake_fixtures import FIXTURES
from typer.testing import CliRunner

from beacon.cli.mail import mail_app


def _app() -> typer.Typer:
    wrapper = typer.Typer()
    wrapper.add_typer(mail_app, name="mail")
    return wrapper


def test_import_mbox_to_file(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        _app(), ["mail", "import", "--jsonl", str(FIXTURES / "email" / "sample.mbox"), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["kind"] for r in records] == ["message", "message", "automated", "status"]
    assert records[0]["message"]["author"]["id"] == "r.okafor@example.org.uk"
    assert records[3]["status"]["status"] == "failed"


def test_unreadable_mail_is_written_with_its_raw_text_and_fails_the_exit_code(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.eml"
    bad.write_bytes(b"Subject: no sender\n\nhello\n")
    result = CliRunner().invoke(_app(), ["mail", "import", "--jsonl", str(bad)])
    assert result.exit_code == 1
    record = json.loads(result.stdout.splitlines()[0])
    assert record["kind"] == "error" and record["code"] == "payload_malformed"
    assert "no sender" in record["raw"]["rfc822"]
