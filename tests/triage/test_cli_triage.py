"""`beacon triage`: the batch contract on CSV and JSONL, time formats, and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from beacon.cli import _register, app
from beacon.triage.batch import parse_time

_register()


def run(*args: str):
    return CliRunner().invoke(app, ["triage", *args])


def read(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_csv_rows_come_out_in_input_order(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,text,other\n7,"a man with a knife outside now",x\n3,nice day,y\n,no id,z\n',
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run("--input", str(source), "--output", str(out)).exit_code == 0
    records = read(out)
    assert [r["id"] for r in records] == ["7", "3", "3"]  # a row without an id gets its row number
    assert records[0]["priority"] in ("P1", "P2")
    assert records[1]["priority"] == "P4"
    assert "label" not in records[0]


def test_jsonl_with_named_fields_and_twitter_time(tmp_path):
    source = tmp_path / "in.jsonl"
    rows = [{"tid": "x1", "body": "house fire, family trapped", "when": "Wed Sep 05 15:59:34 +0000 2012"},
            {"tid": "x2", "body": "hello", "when": None}]
    source.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("--input", str(source), "--output", str(out), "--text-field", "body",
                 "--id-field", "tid", "--time-field", "when")
    assert result.exit_code == 0, result.output
    records = read(out)
    assert [r["id"] for r in records] == ["x1", "x2"]
    assert records[0]["priority"] in ("P1", "P2")
    assert records[0]["created_at"].startswith("2012-09-05T15:59:34")
    assert records[1]["created_at"] is None


def test_json_array_of_objects(tmp_path):
    source = tmp_path / "in.json"
    rows = [{"id": 5, "text": "man with a knife outside now", "created_at": 1556471111},
            {"id": 6, "text": "lovely day"}]
    source.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("--input", str(source), "--output", str(out), "--text-field", "text",
                 "--id-field", "id")
    assert result.exit_code == 0, result.output
    records = read(out)
    assert [r["id"] for r in records] == ["5", "6"]
    assert records[0]["priority"] in ("P1", "P2") and records[1]["priority"] in ("P3", "P4")
    assert records[0]["created_at"].startswith("2019-04-28T17:05:11")


def test_json_file_holding_json_lines_still_reads(tmp_path):
    source = tmp_path / "in.json"
    source.write_text('{"id": "a", "text": "hello"}\n{"id": "b", "text": "hi"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run("--input", str(source), "--output", str(out)).exit_code == 0
    assert [r["id"] for r in read(out)] == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "name", "args", "message"),
    [
        (None, "missing.csv", [], "not found"),
        ("id,text\n1,x\n", "in.txt", [], "must be .csv, .jsonl, .ndjson or .json"),
        ('[{"text": "x"}, "y"]', "in.json", [], "item 2 of the array is not a JSON object"),
        ('[{"text": "x"},', "in.json", [], "not valid JSON"),
        ("id,body\n1,x\n", "in.csv", ["--text-field", "message"], "message"),
        ('{"text": "x"}\nnot json\n', "in.jsonl", [], "not valid JSON"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path, content, name, args, message):
    source = tmp_path / name
    if content is not None:
        source.write_text(content, encoding="utf-8")
    result = run("--input", str(source), "--output", str(tmp_path / "o.jsonl"), *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())  # the console may wrap a long path
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-04-28T17:05:11Z", datetime(2019, 4, 28, 17, 5, 11, tzinfo=UTC)),
        ("Wed Sep 05 15:59:34 +0000 2012", datetime(2012, 9, 5, 15, 59, 34, tzinfo=UTC)),
        ("2019-04-28 18:05:11+01:00", datetime(2019, 4, 28, 17, 5, 11, tzinfo=UTC)),
        (1556471111, datetime(2019, 4, 28, 17, 5, 11, tzinfo=UTC)),
        ("", None),
        ("not a time", None),
    ],
)
def test_time_formats(value, expected):
    assert parse_time(value) == expected
