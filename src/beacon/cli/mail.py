"""`beacon mail import PATH` and `beacon mail poll`: the force's mail into Beacon.

Both store through `intake.mail_store.store_mail`: citizen mail is stored and triaged,
bounces and auto-replies are kept as `automated`, unreadable mail becomes a dead letter
(source `mail`, which `beacon deadletter retry` re-parses). `poll` flags a mail `\\Seen` only
after its transaction committed. `import --jsonl` only writes what it would store, as JSON
Lines, without touching the database.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from beacon.cli import app
from beacon.cli.core import _beacon, fail
from beacon.intake.email_import import (
    ImportedMail,
    RawMail,
    connect_imap,
    import_path,
    poll_imap,
    read_path,
)
from beacon.intake.email_in import raw_text
from beacon.intake.mail_store import StoredMail, explain_imap_error, store_mail

if TYPE_CHECKING:
    from beacon.bootstrap import Beacon

mail_app = typer.Typer(help="Email intake.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


def tally(counts: Counter[str], stored: StoredMail) -> None:
    counts["new"] += len(stored.intake.fresh)
    counts["already stored"] += stored.intake.duplicates
    counts["automated"] += stored.intake.automated
    counts["reply statuses"] += stored.intake.statuses
    counts["dead-lettered"] += stored.error is not None


def summary(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"


@mail_app.command("import")
def import_mail(
    path: Annotated[Path, typer.Argument(exists=True, help=".eml file or folder, mbox, Maildir")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="write JSON Lines, store nothing")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="JSONL file (with --jsonl)")] = None,
    account: Annotated[str | None, typer.Option(help="mailbox address (with --jsonl)")] = None,
) -> None:
    """Store mail from files into Beacon (or, with --jsonl, write what it would store)."""
    if jsonl:
        _write_jsonl(path, output, account)
        return
    beacon = _beacon()
    counts: Counter[str] = Counter()
    for mail in read_path(path):
        stored = store_mail(beacon, mail)
        tally(counts, stored)
        if stored.error:
            typer.echo(f"{mail.source}: dead-lettered: {stored.error}", err=True)
    typer.echo(f"imported {summary(counts)}")
    if counts["dead-lettered"]:
        raise typer.Exit(1)


@mail_app.command("poll")
def poll(
    once: Annotated[bool, typer.Option("--once", help="one round, then exit")] = False,
    interval: Annotated[float, typer.Option(help="seconds between rounds")] = 60.0,
    limit: Annotated[int, typer.Option(help="most mails per round")] = 200,
) -> None:
    """Fetch unseen mail over IMAP (TLS), store it, then flag it seen. Needs BEACON_IMAP_*."""
    beacon = _beacon()
    settings = beacon.settings
    if not settings.imap_host or not settings.imap_user:
        raise fail("set BEACON_IMAP_HOST and BEACON_IMAP_USER (and BEACON_IMAP_PASSWORD) first")
    failed = poll_round(beacon, limit)  # a bad setting shows at once, whatever the mode
    while not once:
        time.sleep(interval)
        try:
            poll_round(beacon, limit)
        except typer.Exit:
            typer.echo("will try again next round", err=True)  # the server may come back
    if failed:
        raise typer.Exit(1)


def poll_round(beacon: Beacon, limit: int) -> int:
    """Connect, store every unseen mail, log out. Returns how many mails were left unseen."""
    settings = beacon.settings
    try:
        connection = connect_imap(settings.imap_host, settings.imap_user,
                                  settings.imap_password.get_secret_value(), port=settings.imap_port)
    except Exception as error:  # noqa: BLE001 - every failure becomes a sentence and exit code 1
        raise fail(explain_imap_error(error), code=1) from None
    counts: Counter[str] = Counter()
    try:
        report = poll_imap(connection, lambda mail: _store_counted(beacon, mail, counts),
                           folder=settings.imap_mailbox, limit=limit)
    except Exception as error:  # noqa: BLE001
        raise fail(explain_imap_error(error), code=1) from None
    finally:
        _logout(connection)
    for uid, why in report.failed.items():
        typer.echo(f"mail {uid} left unseen for the next round: {why}", err=True)
    typer.echo(f"polled {len(report.handled)} mail(s): {summary(counts)}")
    return len(report.failed)


def _store_counted(beacon: Beacon, mail: RawMail, counts: Counter[str]) -> None:
    stored = store_mail(beacon, mail)
    tally(counts, stored)
    if stored.error:
        typer.echo(f"{mail.source}: dead-lettered: {stored.error}", err=True)


def _logout(connection: Any) -> None:
    try:
        connection.logout()
    except Exception:  # noqa: BLE001, S110 - the mail is already stored; a failed goodbye is harmless
        pass


# --- JSON Lines (no database) ---------------------------------------------------------------

def records(imported: ImportedMail) -> list[dict[str, Any]]:
    """The JSONL records for one mail: message, automated, status, or error with the raw mail."""
    if imported.error is not None:
        return [{"kind": "error", "source": imported.source, "code": imported.error.code,
                 "reason": imported.error.reason, "raw": raw_text(imported.raw)}]
    result = imported.result
    assert result is not None
    lines: list[dict[str, Any]] = []
    for message in result.messages:
        lines.append({"kind": "message", "source": imported.source,
                      "message": message.model_dump(mode="json")})
    for auto in result.automated:
        lines.append({"kind": "automated", "source": imported.source, "automated": auto.kind,
                      "reason": auto.reason, "message": auto.message.model_dump(mode="json")})
    for status in result.statuses:
        lines.append({"kind": "status", "source": imported.source,
                      "status": json.loads(json.dumps(asdict(status), default=str))})
    return lines


def write_import(path: Path, out: TextIO, *, channel_account: str | None = None) -> Counter[str]:
    """Write every mail at `path` to `out` as JSONL; count the records by kind."""
    counts: Counter[str] = Counter()
    for imported in import_path(path, channel_account=channel_account):
        for record in records(imported):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts[record["kind"]] += 1
    return counts


def _write_jsonl(path: Path, output: Path | None, account: str | None) -> None:
    if output is None:
        counts = write_import(path, sys.stdout, channel_account=account)
    else:
        with output.open("w", encoding="utf-8") as out:
            counts = write_import(path, out, channel_account=account)
    typer.echo(f"imported {summary(counts)}", err=True)
    if counts["error"]:
        raise typer.Exit(1)
