"""`beacon model train` and `beacon model evaluate`: a text classifier from any labelled file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from beacon.cli import app
from beacon.triage.batch import BatchInputError, FieldNames, read_rows
from beacon.triage.training import cross_validate, fit, per_class_report

model_app = typer.Typer(no_args_is_help=True, help="Train and evaluate triage text models.")
app.add_typer(model_app, name="model")
_err = Console(stderr=True, soft_wrap=True)
_out = Console()


def read_labelled(path: Path, text_field: str, label_field: str, group_field: str | None = None,
                  keep: set[str] | None = None) -> tuple[list[str], list[str], list[str] | None]:
    """Texts, labels and groups; rows without text or label (or outside `keep`) are skipped."""
    texts, labels, groups = [], [], []
    for row in read_rows(path, FieldNames(text=text_field)):
        if row.number == 1:
            for name in filter(None, (label_field, group_field)):
                if name not in row.fields:
                    raise BatchInputError(f"{path}: no field {name!r} (fields: {', '.join(row.fields)})")
        label = row.fields.get(label_field)
        if label in (None, "") or not row.text.strip() or (keep and str(label) not in keep):
            continue  # unlabelled, empty or excluded rows teach nothing
        texts.append(row.text)
        labels.append(str(label))
        groups.append(str(row.fields.get(group_field, "")) if group_field else "")
    if len(set(labels)) < 2:
        raise BatchInputError(f"{path}: need at least two different labels in {label_field!r}")
    return texts, labels, (groups if group_field else None)


@model_app.command("train")
def train_command(
    data: Annotated[Path, typer.Option("--data", help="labelled CSV or JSONL")],
    output: Annotated[Path, typer.Option("--output", help="model file to write (.npz)")],
    text_field: Annotated[str, typer.Option(help="field holding the text")] = "text",
    label_field: Annotated[str, typer.Option(help="field holding the label")] = "label",
    min_df: Annotated[int, typer.Option(help="ignore words seen in fewer rows")] = 2,
    c: Annotated[float, typer.Option("--c", help="inverse regularisation strength")] = 2.0,
    version: Annotated[str | None, typer.Option(help="version written into the model")] = None,
    labels: Annotated[str | None, typer.Option(help="comma-separated labels to keep; rows with "
                                               "other labels are skipped")] = None,
    char_ngrams: Annotated[str | None, typer.Option(help="also character n-grams of the words, "
                                                    "e.g. 2,5")] = None,
    thresholds: Annotated[str | None, typer.Option(help="P1,P2,P3 thresholds on the expected "
                                                   "priority score, stored with the model")] = None,
    kind: Annotated[str | None, typer.Option(help="semantic (default): heads over the shipped sentence "
                                             "encoder; tfidf: words (and --char-ngrams)")] = None,
) -> None:
    """Train a text model on any labelled file; saved as plain arrays (no pickle), exactly at
    --output whatever its name, for `beacon triage --model`."""
    keep = {label.strip() for label in labels.split(",")} if labels else None
    kind = kind or ("tfidf" if char_ngrams else "semantic")
    try:
        grams = _numbers(char_ngrams, 2, int, "--char-ngrams") if char_ngrams else None
        cuts = _numbers(thresholds, 3, float, "--thresholds") if thresholds else None
        texts, labels_read, _ = read_labelled(data, text_field, label_field, keep=keep)
        with _err.status(f"training on {len(texts)} rows"):
            meta = {"data": data.name, "text_field": text_field, "label_field": label_field}
            if version:
                meta["version"] = version
            if cuts:
                meta["thresholds"] = dict(zip(("P1", "P2", "P3"), cuts, strict=True))
            if kind == "semantic":
                from beacon.triage.semantic_training import fit_semantic

                model = fit_semantic(texts, labels_read, meta=meta)
            elif kind == "tfidf":
                model = fit(texts, labels_read, min_df=min_df, C=c, meta=meta,
                            char_ngrams=tuple(grams) if grams else None)
            else:
                raise ValueError(f"--kind must be semantic or tfidf, not {kind!r}")
        model.save(output)
    except (BatchInputError, ValueError, OSError) as error:
        _err.print(f"[red]beacon model train:[/red] {error}")
        raise typer.Exit(code=2) from None
    size = (f"{len(model.vocabulary) + len(model.char_vocabulary)} features" if kind == "tfidf"
            else "heads over the sentence encoder")
    _err.print(f"model {model.version}: {len(model.classes)} labels, {size}, written to {output}")


def _numbers(value: str, count: int, kind: type, option: str) -> list:
    try:
        numbers = [kind(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != count:
        raise ValueError(f"{option} needs {count} comma-separated numbers, got {value!r}")
    return numbers


@model_app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Option("--data", help="labelled CSV or JSONL")],
    text_field: Annotated[str, typer.Option(help="field holding the text")] = "text",
    label_field: Annotated[str, typer.Option(help="field holding the label")] = "label",
    group_field: Annotated[str | None, typer.Option(help="never split a group (e.g. event) "
                                                    "across folds")] = None,
    folds: Annotated[int, typer.Option(help="cross-validation folds")] = 5,
    min_df: Annotated[int, typer.Option(help="ignore words seen in fewer rows")] = 2,
    c: Annotated[float, typer.Option("--c", help="inverse regularisation strength")] = 2.0,
    labels: Annotated[str | None, typer.Option(help="comma-separated labels to keep")] = None,
) -> None:
    """Cross-validated per-class precision, recall and F1 (split by --group-field when given)."""
    try:
        keep = {label.strip() for label in labels.split(",")} if labels else None
        texts, labels_read, groups = read_labelled(data, text_field, label_field, group_field, keep)
        if groups is not None and len(set(groups)) < 2:
            raise BatchInputError(f"{group_field!r} needs at least two different groups")
        with _err.status(f"{folds}-fold cross-validation on {len(texts)} rows"):
            predicted = cross_validate(texts, labels_read, groups, folds=folds, min_df=min_df, C=c)
    except (BatchInputError, ValueError, OSError) as error:
        _err.print(f"[red]beacon model evaluate:[/red] {error}")
        raise typer.Exit(code=2) from None
    _print_report(per_class_report(labels_read, predicted), group_field)


def _print_report(report: dict[str, dict[str, float]], group_field: str | None) -> None:
    split = f"folds split by {group_field}" if group_field else "stratified folds"
    table = Table(title=f"cross-validated quality ({split})")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, scores in report.items():
        table.add_row(label, f"{scores['precision']:.3f}", f"{scores['recall']:.3f}",
                      f"{scores['f1']:.3f}", str(int(scores["support"])))
    _out.print(table)
