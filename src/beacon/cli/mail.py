"""`beacon mail import PATH`: read .eml, mbox or Maildir and write normalised messages as JSONL.

One JSON object per line, each with a `kind`: `message` (citizen contact), `automated` (bounce
or auto-reply), `status` (a reply of ours failed) or `error` (unreadable mail: the raw mail is
included so nothing is lost). Until the store is wired in, the output goes to a file or stdout.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from beacon.cli import app
from beacon.intake.email_import import ImportedMail, import_path
from beacon.intake.email_in import raw_text

mail_app = typer.Typer(help="Email intake.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


def records(imported: ImportedMail) -> list[dict[str, Any]]:
    """The JSONL records for one mail."""
    if imported.error is not None:
        return [
            {
                "kind": "error",
                "source": imported.source,
                "code": imported.error.code,
                "reason": imported.error.reason,
                "raw": raw_text(imported.raw),
            }
        ]
    result = imported.result
    assert result is not None
    lines: list[dict[str, Any]] = []
    for message in result.messages:
        lines.append(
            {
                "kind": "message",
                "source": imported.source,
                "message": message.model_dump(mode="json"),
            }
        )
    for auto in result.automated:
        lines.append(
            {
                "kind": "automated",
                "source": imported.source,
                "automated": auto.kind,
                "reason": auto.reason,
                "message": auto.message.model_dump(mode="json"),
            }
        )
    for status in result.statuses:
        lines.append(
            {
                "kind": "status",
                "source": imported.source,
                "status": json.loads(json.dumps(asdict(status), default=str)),
            }
        )
    return lines


def write_import(path: Path, out: TextIO, *, channel_account: str | None = None) -> Counter[str]:
    """Write every mail at `path` to `out` as JSONL; count the records by kind."""
    counts: Counter[str] = Counter()
    for imported in import_path(path, channel_account=channel_account):
        for record in records(imported):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts[record["kind"]] += 1
    return counts


@mail_app.command("import")
def import_mail(
    path: Annotated[Path, typer.Argument(exists=True, help=".eml file or folder, mbox, Maildir")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="JSONL file")] = None,
    account: Annotated[str | None, typer.Option(help="mailbox address it was sent to")] = None,
) -> None:
    """Parse mail and write normalised messages as JSON Lines (stdout by default)."""
    if output is None:
        counts = write_import(path, sys.stdout, channel_account=account)
    else:
        with output.open("w", encoding="utf-8") as out:
            counts = write_import(path, out, channel_account=account)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"
    typer.echo(f"imported {summary}", err=True)
    if counts["error"]:
        raise typer.Exit(1)
