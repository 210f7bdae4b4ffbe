"""Training a model on a small synthetic file, saving it without pickle, and the CLI contract."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from beacon.cli import _register, app
from beacon.triage.model import ModelError, load_model
from beacon.triage.training import cross_validate, fit, per_class_report

_register()
URGENT = ["help trapped in the flood water rising", "people trapped under the rubble send rescue",
          "fire spreading towards houses evacuate now", "man with a gun outside the school"]
ROUTINE = ["road closed for the parade tomorrow", "bins not collected again this week",
           "lost my wallet in town yesterday", "noise from the pub every weekend"]
CHATTER = ["lovely sunset tonight", "great match at the stadium", "new cafe opened on the corner",
           "thoughts and prayers to everyone"]


def synthetic_rows(count: int = 90) -> list[dict[str, str]]:
    rng = random.Random(7)
    rows = []
    for number in range(count):
        label, pool = [("High", URGENT), ("Medium", ROUTINE), ("Low", CHATTER)][number % 3]
        rows.append({"id": str(number), "text": f"{rng.choice(pool)} {rng.choice(['', 'today', 'now'])}",
                     "label": label, "event": f"event{number % 4}"})
    return rows


@pytest.fixture()
def labelled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    lines = ["id,text,label,event"] + [f'{r["id"]},"{r["text"]}",{r["label"]},{r["event"]}'
                                        for r in synthetic_rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fit_predicts_the_right_class():
    rows = synthetic_rows()
    model = fit([r["text"] for r in rows], [r["label"] for r in rows], min_df=1)
    scores = model.scores("people trapped, water rising")
    assert max(scores, key=scores.get) == "High"
    assert sum(scores.values()) == pytest.approx(1.0)
    assert model.predicts_priority


def test_saved_model_loads_without_pickle_and_predicts_the_same(tmp_path):
    rows = synthetic_rows()
    model = fit([r["text"] for r in rows], [r["label"] for r in rows], min_df=1)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)
    again = load_model(tmp_path / "m.npz")
    assert again.scores("fire spreading") == pytest.approx(model.scores("fire spreading"))


def test_a_broken_model_file_is_a_clear_error(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError):
        load_model(tmp_path / "bad.npz")


def test_grouped_cross_validation_reports_per_class():
    rows = synthetic_rows()
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    predicted = cross_validate(texts, labels, [r["event"] for r in rows], folds=4, min_df=1)
    report = per_class_report(labels, predicted)
    assert set(report) == {"High", "Medium", "Low", "macro"}
    assert report["macro"]["f1"] > 0.8


def test_cli_train_then_triage_with_the_model(labelled_csv, tmp_path):
    runner = CliRunner()
    model_path = tmp_path / "model.npz"
    trained = runner.invoke(app, ["model", "train", "--data", str(labelled_csv), "--text-field",
                                  "text", "--label-field", "label", "--output", str(model_path),
                                  "--min-df", "1"])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["triage", "--input", str(labelled_csv), "--output", str(out),
                                 "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [str(n) for n in range(90)]
    for record in records:
        assert record["priority"] in ("P1", "P2", "P3", "P4")
        assert isinstance(record["urgency"], float)
        assert isinstance(record["categories"], list) and isinstance(record["reasons"], list)
        assert isinstance(record["item"], str) and isinstance(record["incident"], str)
        assert set(record["label_scores"]) == {"High", "Medium", "Low"}
        assert record["label"] in record["label_scores"]


def test_cli_evaluate_prints_per_class_figures(labelled_csv):
    result = CliRunner().invoke(app, ["model", "evaluate", "--data", str(labelled_csv),
                                      "--group-field", "event", "--folds", "4", "--min-df", "1"])
    assert result.exit_code == 0, result.output
    assert "High" in result.output and "macro" in result.output


def test_cli_train_with_a_missing_label_field_fails_clearly(labelled_csv, tmp_path):
    result = CliRunner().invoke(app, ["model", "train", "--data", str(labelled_csv),
                                      "--label-field", "nope", "--output", str(tmp_path / "m.npz")])
    assert result.exit_code == 2
    assert "nope" in result.output


def test_character_ngram_model_round_trips_and_matches_sklearn(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from beacon.triage.model import char_features, features
    import scipy.sparse as sp

    rows = synthetic_rows()
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    model = fit(texts, labels, min_df=1, char_ngrams=(2, 5), char_min_df=1)
    assert " tr" in model.char_vocabulary and "ped " in model.char_vocabulary
    model.save(tmp_path / "chars.npz")
    again = load_model(tmp_path / "chars.npz")
    assert again.char_vocabulary == model.char_vocabulary
    words = TfidfVectorizer(analyzer=features, sublinear_tf=True).fit(texts)
    chars = TfidfVectorizer(analyzer=lambda t: char_features(t, 2, 5), sublinear_tf=True).fit(texts)
    text = "people trapped!! water rising at the school"
    matrix = sp.hstack([words.transform([text]), chars.transform([text])]).toarray()[0]
    order = sorted(model.vocabulary, key=model.vocabulary.get) + sorted(
        model.char_vocabulary, key=model.char_vocabulary.get)
    names = list(words.get_feature_names_out()) + list(chars.get_feature_names_out())
    expected = dict(zip(names, matrix, strict=True))
    index, values = again.vector(text)
    assert {order[i]: pytest.approx(v, abs=1e-6) for i, v in zip(index, values, strict=True)} == {
        name: value for name, value in expected.items() if value}
    assert again.scores(text) == pytest.approx(model.scores(text), abs=1e-5)


def test_cli_train_stores_character_ngrams_and_thresholds(labelled_csv, tmp_path):
    model_path = tmp_path / "chars.npz"
    trained = CliRunner().invoke(app, [
        "model", "train", "--data", str(labelled_csv), "--label-field", "label", "--output",
        str(model_path), "--min-df", "1", "--char-ngrams", "2,5", "--thresholds", "0.6,0.46,0.4"])
    assert trained.exit_code == 0, trained.output
    model = load_model(model_path)
    assert model.char_vocabulary and model.meta["char_ngrams"] == [2, 5]
    assert model.meta["thresholds"] == {"P1": 0.6, "P2": 0.46, "P3": 0.4}
    bad = CliRunner().invoke(app, ["model", "train", "--data", str(labelled_csv), "--label-field",
                                   "label", "--output", str(model_path), "--thresholds", "0.6"])
    assert bad.exit_code == 2


@pytest.mark.parametrize("name", ["model", "model.npz", "sub/model.bin"])
@pytest.mark.parametrize("kind", ["semantic", "tfidf"])
def test_train_then_triage_works_for_any_output_name(labelled_csv, tmp_path, name, kind):
    """`--output X` writes exactly X (numpy used to append .npz), and `--model X` then reads it."""
    model_path = tmp_path / name
    trained = CliRunner().invoke(app, ["model", "train", "--data", str(labelled_csv), "--label-field", "label",
                                       "--output", str(model_path), "--kind", kind, "--min-df", "1"])
    assert trained.exit_code == 0, trained.output
    assert model_path.is_file() and not model_path.with_name(model_path.name + ".npz").exists()
    out = tmp_path / "out.jsonl"
    triaged = CliRunner().invoke(app, ["triage", "--input", str(labelled_csv), "--output", str(out),
                                       "--model", str(model_path)])
    assert triaged.exit_code == 0, triaged.output
    first = json.loads(out.read_text().splitlines()[0])
    assert {"id", "priority", "urgency", "categories", "vulnerabilities", "risk", "place", "language",
            "needs_human", "reasons", "model_version", "item", "incident", "created_at", "label",
            "label_scores"} <= set(first)


def test_triage_with_a_missing_model_says_so_and_exits_non_zero(labelled_csv, tmp_path):
    result = CliRunner().invoke(app, ["triage", "--input", str(labelled_csv), "--output",
                                      str(tmp_path / "out.jsonl"), "--model", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "model file not found" in result.output
