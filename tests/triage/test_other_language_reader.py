"""The character reader: how the meaning model grades a language its English encoder does not know.

Rows written fresh for these tests (Polish as people type it, with and without diacritics)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from beacon.triage import TriageEngine
from beacon.triage.model import DEFAULT_MODEL, load_model
from beacon.triage.semantic_training import fit_surface, label_thresholds
from beacon.triage.surface import fold, surface_features

URGENT = [
    "pomocy on ma nóż i stoi pod moimi drzwiami",
    "sasiad bije zone slychac krzyki przyjedzcie szybko",
    "mój syn połknął tabletki i nie odpowiada",
    "facet z nozem goni ludzi na rynku teraz",
    "maz mnie dusi nie moge mowic pomocy",
    "ktos wlamuje sie do domu obok teraz slysze szklo",
    "dziecko samo przy ruchliwej drodze nikogo nie ma",
    "grozi ze mnie zabije stoi pod oknem",
    "kolega przedawkowal lezy na podlodze nie oddycha dobrze",
    "pali sie mieszkanie na drugim pietrze ludzie w srodku",
]
ROUTINE = [
    "o ktorej otwieraja komisariat w sobote",
    "zgubilem portfel w autobusie wczoraj",
    "chcialbym zapytac o numer sprawy z zeszlego miesiaca",
    "ktos porysowal mi samochod w nocy tydzien temu",
    "sasiedzi parkuja na chodniku od miesiecy",
    "dziekuje za pomoc w zeszlym tygodniu",
    "ukradli mi rower spod pracy w poniedzialek",
    "jak zglosic zgubiony paszport",
    "glosna muzyka u sasiada w sobote wieczorem",
    "pytanie o zaswiadczenie o niekaralnosci",
]


def _rows():
    texts = URGENT + ROUTINE
    labels = ["P1"] * len(URGENT) + ["P4"] * len(ROUTINE)
    vulnerabilities = [["domestic_abuse"] if i in (1, 4) else ["child"] if i in (2, 6) else []
                       for i in range(len(texts))]
    return texts, labels, {"vulnerabilities": vulnerabilities, "categories": [[lab] for lab in labels]}


@pytest.fixture(scope="module")
def model_with_reader(tmp_path_factory):
    texts, labels, sets = _rows()
    model = load_model(DEFAULT_MODEL)
    model.surface, chosen = fit_surface(texts, labels, sets, max_features=5000)
    model.meta |= {"surface_thresholds": {"P1": 0.4, "P2": 0.45, "P3": 0.5}, "surface_label_thresholds": chosen}
    path = tmp_path_factory.mktemp("model") / "with-reader.npz"
    model.save(path)
    return path


def test_folding_makes_typed_without_diacritics_the_same_word():
    assert fold("Nóż") == fold("noz") == "noz"
    assert fold("Łódź") == "lodz"
    assert "w:noz" in surface_features("NÓŻ!")


def test_reader_vectors_match_scikit_learn():
    texts, labels, sets = _rows()
    reader, _ = fit_surface(texts, labels, sets, max_features=5000)
    expected = TfidfVectorizer(analyzer=surface_features, sublinear_tf=True, min_df=2, max_features=5000,
                               dtype=np.float32).fit(texts).transform(texts[:3]).toarray()
    assert np.allclose(reader.vectors(texts[:3]).toarray(), expected, atol=1e-5)
    # one sentence alone (its own path), a sentence with no known feature among others, and the
    # heads' product over the sparse rows equal to the dense product
    for i in range(3):
        assert np.allclose(reader.vectors([texts[i]]).toarray(), expected[i:i + 1], atol=1e-5)
    with_empty = reader.vectors([texts[0], "§§§", texts[1]])
    assert not with_empty.toarray()[1].any()
    weights = reader.priority.coef.T
    assert np.allclose(with_empty @ weights, with_empty.toarray() @ weights, atol=1e-5)
    assert np.allclose(reader.vectors([texts[2]]) @ weights, expected[2:3] @ weights, atol=1e-5)
    assert not (reader.vectors(["§§§"]) @ weights).any()


def test_the_reader_is_saved_with_the_model_and_reads_the_same(model_with_reader):
    loaded = load_model(model_with_reader)
    assert loaded.surface is not None
    text = "facet z nożem pod sklepem teraz"
    assert loaded.surface.read(text).scores == pytest.approx(load_model(model_with_reader).surface.read(text).scores)
    assert loaded.label_thresholds("vulnerabilities", 0.5, "surface").keys() <= {"domestic_abuse", "child"}


def test_a_polish_emergency_is_graded_by_the_reader_not_the_english_encoder(model_with_reader):
    engine = TriageEngine.load(model_path=model_with_reader)
    result = engine.triage("ratunku facet ma noz i bije kogos pod blokiem")
    assert result.priority == "P1"
    assert result.needs_human
    assert "language_barrier" in result.vulnerabilities
    model_reasons = [r for r in result.reasons if r["kind"] == "model"]
    assert model_reasons and set(model_reasons[0]["probabilities"]) == {"P1", "P4"}  # the reader's classes


def test_the_reader_may_raise_but_never_lower(model_with_reader):
    engine = TriageEngine.load(model_path=model_with_reader)
    # Routine in the reader's eyes (a case-number question), but the English word says a stabbing.
    result = engine.triage("zapytanie o numer sprawy w sobote, ktos zostal stabbed")
    assert result.priority == "P1"
    assert any(r["kind"] == "model_kept" for r in result.reasons)
    assert not any(r.get("rule") == "model_lowered" for r in result.reasons)
    assert result.reasons[-1]["decided_by"] != "language_not_covered"  # the floor did not set it


def test_welsh_is_not_a_language_barrier(model_with_reader):
    engine = TriageEngine.load(model_path=model_with_reader)
    result = engine.triage("Mae dyn gyda chyllell tu allan i'r siop nawr, dewch yn gyflym plîs", language="cy")
    assert "language_barrier" not in result.vulnerabilities
    assert result.priority in ("P1", "P2")


def test_label_thresholds_favour_recall_and_stay_in_range():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(60, 8))
    sets = [["child"] if matrix[i, 0] > 0.3 else [] for i in range(60)]
    chosen = label_thresholds(matrix, sets, C=1.0)
    assert set(chosen) == {"child"}
    assert 0.3 <= chosen["child"] <= 0.9


def test_english_is_read_by_the_encoder_and_the_reader_blended(model_with_reader, tmp_path):
    from beacon.triage.combine import blend_readers

    model = load_model(model_with_reader)
    text = "a man with a knife is outside my house right now"
    encoder = model.read(text).scores
    model.blend_reader = None
    assert blend_readers(model, encoder, text) == encoder  # no blend reader: the encoder alone
    model.blend_reader = model.surface  # any character reader will do to check the arithmetic
    model.meta["surface_weight"] = 0.5
    reader = model.blend_reader.read(text).scores
    blended = blend_readers(model, encoder, text)
    assert blended == pytest.approx({label: 0.5 * p + 0.5 * reader.get(label, 0.0)
                                     for label, p in encoder.items()})
    path = tmp_path / "blended.npz"
    model.save(path)
    assert blend_readers(load_model(path), encoder, text) == pytest.approx(blended)


def test_counting_equals_numpy_unique():
    from beacon.triage.surface import _counted

    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 300):
        keys = rng.integers(0, 40, size)
        found, counts = _counted(keys)
        expected_found, expected_counts = np.unique(keys, return_counts=True)
        assert found.tolist() == expected_found.tolist() and counts.tolist() == expected_counts.tolist()
