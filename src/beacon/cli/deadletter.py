"""`beacon deadletter list` and `beacon deadletter retry [ID|--all]`: re-process what failed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from beacon.cli import app
from beacon.cli.core import _beacon, console, fail
from beacon.intake.deadletters import parser_name, retry_dead_letter, unresolved

dead_app = typer.Typer(help="Dead letters: deliveries kept because they could not be read.",
                       no_args_is_help=True)
app.add_typer(dead_app, name="deadletter")


@dead_app.command("list")
def list_letters(
    all_: Annotated[bool, typer.Option("--all", help="include resolved letters")] = False,
    limit: Annotated[int, typer.Option(help="most rows shown")] = 200,
) -> None:
    """Show dead letters (unresolved by default): source, copies received, last seen, reason."""
    beacon = _beacon()
    with beacon.read_session_factory() as session:
        letters = unresolved(session, include_resolved=all_, limit=limit)
    table = Table("id", "received (UTC)", "source", "copies", "last seen", "retry", "resolved",
                  "reason")
    for letter in letters:
        last_seen = letter.last_seen_at or letter.received_at
        table.add_row(
            str(letter.id), letter.received_at.strftime("%Y-%m-%d %H:%M:%S"), letter.source,
            str(letter.copies), last_seen.strftime("%Y-%m-%d %H:%M:%S"),
            "yes" if parser_name(letter.source) else "no",
            letter.resolved_at.strftime("%Y-%m-%d %H:%M") if letter.resolved_at else "",
            letter.reason[:120],
        )
    typer.echo(f"{len(letters)} dead letter(s)")
    if letters:
        console.print(table)


@dead_app.command("retry")
def retry(
    letter_id: Annotated[int | None, typer.Argument(help="the dead letter's id")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every unresolved letter that can be re-parsed")] = False,
) -> None:
    """Re-parse dead letters with the current parser; store what they yield, mark them resolved."""
    if (letter_id is None) == (not all_):
        raise fail("give a dead letter id or --all (not both)")
    beacon = _beacon()
    if all_:
        with beacon.read_session_factory() as session:
            ids = [d.id for d in unresolved(session, limit=100_000) if parser_name(d.source)]
    else:
        ids = [letter_id] if letter_id is not None else []
    still_failing = 0
    for each in ids:
        outcome = retry_dead_letter(beacon, each)
        state = "resolved" if outcome.resolved else "still failing"
        typer.echo(f"{each}: {state}, {outcome.stored} new message(s) {outcome.detail}".rstrip())
        still_failing += not outcome.resolved
    typer.echo(f"retried {len(ids)}, {len(ids) - still_failing} resolved")
    if still_failing:
        raise typer.Exit(1)
