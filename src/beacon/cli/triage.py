"""`beacon triage`: grade every row of a CSV or JSONL file, streaming, in input order."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from beacon.cli import app
from beacon.noise import NoiseTracker, ObservationError
from beacon.noise.tweets import observation_from_record
from beacon.triage import TriageEngine
from beacon.triage.batch import BatchInputError, FieldNames, Row, read_rows
from beacon.triage.lexicon import LexiconError
from beacon.triage.model import ModelError, TextModel, load_model

_err = Console(stderr=True, soft_wrap=True)


def assign_item_and_incident(row: Row) -> tuple[str, str]:
    """Item id (same underlying post) and incident id (same incident) for one row (issue 4).

    Rows stream through one `beacon.noise.NoiseTracker` per file (a fresh one at row 1): retweets
    and shares by Twitter-shaped references when the row has them, copy-pasted "RT @user:" text
    and near-copies by text, incidents by time and content. Rows without a time use the tweet
    id's own timestamp, else the previous row's time.
    """
    global _noise, _noise_clock
    if row.number == 1 or _noise is None:
        _noise, _noise_clock = NoiseTracker(), datetime(1970, 1, 1, tzinfo=UTC)
    try:
        observation = observation_from_record(row.fields, message_id=row.id, text=row.text,
                                              created_at=row.created_at, fallback_time=_noise_clock)
        decision = _noise.observe(observation)
    except (ObservationError, ValueError, TypeError):
        return row.id, row.id  # a row noise cannot read is its own item: never lost, never merged
    _noise_clock = max(_noise_clock, observation.created_at)
    return decision.item_id, decision.incident_id


_noise: NoiseTracker | None = None
_noise_clock = datetime(1970, 1, 1, tzinfo=UTC)


def triage_row(engine: TriageEngine, row: Row, label_model: TextModel | None) -> dict[str, Any]:
    result = engine.triage(row.text).to_dict()
    item, incident = assign_item_and_incident(row)
    record = {"id": row.id, **result, "item": item, "incident": incident,
              "created_at": row.created_at.isoformat() if row.created_at else None}
    if label_model is not None:
        scores = label_model.scores(row.text)
        record["label"] = max(scores, key=scores.__getitem__)
        record["label_scores"] = {label: round(p, 4) for label, p in scores.items()}
    else:
        record.pop("label", None)
        record.pop("label_scores", None)
    return record


def triage_rows(engine: TriageEngine, rows: Iterator[Row], label_model: TextModel | None
                ) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield triage_row(engine, row, label_model)


@app.command("triage")
def triage_command(
    input: Annotated[Path, typer.Option("--input", help="CSV, JSONL or JSON (an array of objects) file of messages")],
    output: Annotated[Path, typer.Option("--output", help="JSONL file to write, one object a row")],
    text_field: Annotated[str | None, typer.Option(help="field holding the text [text]")] = None,
    id_field: Annotated[str | None, typer.Option(help="field holding the id [id, else row number]")] = None,
    time_field: Annotated[str | None, typer.Option(help="field holding the time [created_at]")] = None,
    model: Annotated[Path | None, typer.Option(help="a model from `beacon model train`")] = None,
) -> None:
    """Triage every row of FILE into OUT.jsonl: priority, urgency, categories, reasons and more."""
    try:
        label_model = load_model(model) if model else None
        use_own = label_model is not None and label_model.predicts_priority
        engine = TriageEngine.load(model_path=model if use_own else None)
        rows = read_rows(input, FieldNames(text_field, id_field, time_field))
        count = _write(output, triage_rows(engine, rows, label_model))
    except (BatchInputError, ModelError, LexiconError, OSError) as error:
        _err.print(f"[red]beacon triage:[/red] {error}")
        raise typer.Exit(code=2) from None
    _err.print(f"triaged {count} rows into {output}")


def _write(output: Path, records: Iterator[dict[str, Any]]) -> int:
    count = 0
    with output.open("w", encoding="utf-8") as handle, Progress(
        SpinnerColumn(), TextColumn("triaging: {task.completed} rows"), TimeElapsedColumn(),
        console=_err, transient=True, disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("triage", total=None)
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
            if count % 200 == 0:
                progress.update(task, completed=count)
    return count
