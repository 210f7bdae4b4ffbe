"""Train a `SemanticModel`: logistic-regression heads over the shipped encoder's embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from beacon.triage.encoder import SentenceEncoder, shared_encoder
from beacon.triage.semantic import Head, SemanticModel
from beacon.triage.surface import SurfaceModel, surface_features


def embed(texts: Sequence[str], encoder: SentenceEncoder | None = None, batch: int = 2048) -> np.ndarray:
    encoder = encoder or shared_encoder()
    parts = [encoder.encode(list(texts[i:i + batch])) for i in range(0, len(texts), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, encoder.dimensions), dtype=np.float32)


def fit_semantic(texts: Sequence[str], labels: Sequence[str], *, weights: Sequence[float] | None = None,
                 C: float = 4.0, label_sets: dict[str, Sequence[Sequence[str]]] | None = None,
                 label_rows: Sequence[bool] | None = None, meta: dict[str, Any] | None = None,
                 embeddings: np.ndarray | None = None) -> SemanticModel:
    """A priority (or any single-label) head on `labels`; with `label_sets` ({"vulnerabilities":
    [[...] per row]}), one-vs-rest heads trained on the rows where `label_rows` is true (the rows
    that carry those labels at all)."""
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two different labels")
    matrix = embed(texts) if embeddings is None else embeddings
    sample = None if weights is None else np.asarray(weights, dtype=np.float64)
    classifier = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    classifier.fit(matrix, list(labels), sample_weight=sample)
    heads: dict[str, Head] = {}
    rows = np.ones(len(texts), dtype=bool) if label_rows is None else np.asarray(label_rows, dtype=bool)
    for name, sets in (label_sets or {}).items():
        heads[name] = _one_vs_rest(matrix[rows], [sets[i] for i in np.flatnonzero(rows)], C)
    info = {"kind": "semantic", "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": len(texts), "C": C, "encoder": "minilm-l6-m2v-256", **(meta or {})}
    info.setdefault("version", f"semantic-lr-{info['trained_at'][:10]}")
    return SemanticModel(_multinomial_head(classifier), info, heads)


def fit_surface(texts: Sequence[str], labels: Sequence[str], label_sets: dict[str, Sequence[Sequence[str]]],
                *, C: float = 4.0, max_features: int = 30_000) -> tuple[SurfaceModel, dict]:
    """The character reader for languages the encoder does not know (see `surface.py`), and its
    per-label thresholds chosen out of fold."""
    vectoriser = TfidfVectorizer(analyzer=surface_features, sublinear_tf=True, min_df=min(2, len(texts)),
                                 max_features=max_features, dtype=np.float32)
    matrix = vectoriser.fit_transform(list(texts))
    classifier = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    classifier.fit(matrix, list(labels))
    priority = _multinomial_head(classifier)
    heads = {name: _one_vs_rest(matrix, list(sets), C) for name, sets in label_sets.items()}
    thresholds = {name: label_thresholds(matrix, list(sets), C) for name, sets in label_sets.items()}
    vocabulary = {str(gram): int(i) for gram, i in vectoriser.vocabulary_.items()}
    return SurfaceModel(vocabulary, vectoriser.idf_.astype(np.float32), priority, heads), thresholds


def _multinomial_head(classifier: LogisticRegression) -> Head:
    coef, intercept = classifier.coef_, classifier.intercept_
    if coef.shape[0] == 1:  # binary: softmax over (-z/2, z/2) equals the logistic of z
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    return Head([str(c) for c in classifier.classes_], coef.astype(np.float32), intercept.astype(np.float32), True)


def label_thresholds(matrix, sets: list[Sequence[str]], C: float, folds: int = 5) -> dict[str, float]:
    """Per label, the threshold on out-of-fold probabilities that maximises F2 (recall counts
    twice: a missed vulnerability costs more than a needless flag), between 0.3 and 0.9."""
    chosen = {}
    for name in sorted({label for labels in sets for label in labels}):
        target = np.array([name in labels for labels in sets])
        if target.sum() < max(5, folds) or target.all():
            continue
        oof = np.zeros(len(target))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(target)), target):
            classifier = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
            classifier.fit(matrix[train], target[train])
            oof[test] = classifier.predict_proba(matrix[test])[:, 1]
        grid = np.arange(0.3, 0.91, 0.05)
        chosen[name] = round(float(max(grid, key=lambda t: _f2(target, oof >= t))), 2)
    return chosen


def _f2(truth: np.ndarray, predicted: np.ndarray) -> float:
    hits = float((truth & predicted).sum())
    precision, recall = hits / max(predicted.sum(), 1), hits / max(truth.sum(), 1)
    return 0.0 if hits == 0 else 5 * precision * recall / (4 * precision + recall)


def _one_vs_rest(matrix: np.ndarray, sets: list[Sequence[str]], C: float) -> Head:
    names = sorted({label for labels in sets for label in labels})
    coefs, intercepts, kept = [], [], []
    for name in names:
        target = np.array([name in labels for labels in sets])
        if target.sum() < 5 or target.all():
            continue  # too few examples to learn from
        classifier = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        classifier.fit(matrix, target)
        coefs.append(classifier.coef_[0])
        intercepts.append(classifier.intercept_[0])
        kept.append(name)
    dimensions = matrix.shape[1]
    return Head(kept, np.array(coefs, dtype=np.float32).reshape(len(kept), dimensions),
                np.array(intercepts, dtype=np.float32), False)
