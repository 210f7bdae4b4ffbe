"""`beacon scenario ...`: write seeded, realistic scenarios with their truth files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from beacon.cli import app
from beacon.scenario import default_truth_path, write_night_shift

scenario_app = typer.Typer(
    no_args_is_help=True,
    help="Generate realistic scenarios of citizens' messages, with the truth for each message.",
)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("night-shift")
def night_shift(
    out: Annotated[Path, typer.Option("--out", help="JSONL file for the messages.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same night.")] = 7,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Truth JSONL (default: beside --out).")
    ] = None,
    messages: Annotated[
        int | None, typer.Option("--messages", help="How many messages (default 450).")
    ] = None,
    night: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="The night's date.")
    ] = None,
) -> None:
    """Write a night shift of a UK town's digital contacts, and the truth beside it."""
    truth_path = truth or default_truth_path(out)
    try:
        records, truths = write_night_shift(
            out, truth_path, seed=seed, messages=messages, night=night.date() if night else None
        )
    except ValueError as error:
        raise _fail(str(error)) from error
    except OSError as error:
        raise _fail(f"cannot write {error.filename or out}: {error.strerror or error}") from error
    _print_summary(records, truths, out, truth_path)


def _fail(reason: str) -> typer.Exit:
    typer.echo(f"error: {reason}", err=True)
    return typer.Exit(code=2)


def _print_summary(
    records: list[dict[str, Any]], truths: list[dict[str, Any]], out: Path, truth_path: Path
) -> None:
    typer.echo(f"Wrote {len(records)} messages to {out}, truth to {truth_path}")
    typer.echo("By channel:  " + _counts(record["channel"] for record in records))
    typer.echo("By priority: " + _counts(truth["priority"] for truth in truths))


def _counts(values: Iterable[str]) -> str:
    counts = Counter(values)
    return ", ".join(f"{key} {counts[key]}" for key in sorted(counts))
