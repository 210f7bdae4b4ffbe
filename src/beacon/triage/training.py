"""Train and evaluate a `TextModel` with scikit-learn; the result is saved without pickle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold

from beacon.triage.model import TextModel, char_features, features

DEFAULTS: dict[str, Any] = {"min_df": 2, "max_features": 60_000, "C": 2.0}


def fit(texts: Sequence[str], labels: Sequence[str], *, weights: Sequence[float] | None = None,
        min_df: int = 2, max_features: int = 60_000, C: float = 2.0,
        char_ngrams: tuple[int, int] | None = None, char_min_df: int = 3,
        char_max_features: int = 100_000, meta: dict[str, Any] | None = None) -> TextModel:
    """Words and word pairs; with `char_ngrams=(low, high)` also a second, separately normalised
    block of character n-grams of the words (as scikit-learn's `char_wb`)."""
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two different labels")
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=min(min_df, len(texts)),
                                 max_features=max_features, dtype=np.float32)
    matrix = vectoriser.fit_transform(texts)
    char_vocabulary: dict[str, int] = {}
    idf = vectoriser.idf_.astype(np.float64)
    if char_ngrams:
        low, high = char_ngrams
        chars = TfidfVectorizer(analyzer=lambda text: char_features(text, low, high), sublinear_tf=True,
                                min_df=min(char_min_df, len(texts)), max_features=char_max_features,
                                dtype=np.float32)
        matrix = sp.hstack([matrix, chars.fit_transform(texts)]).tocsr()
        offset = len(vectoriser.vocabulary_)
        char_vocabulary = {str(gram): offset + int(position)
                           for gram, position in chars.vocabulary_.items()}
        idf = np.concatenate([idf, chars.idf_.astype(np.float64)])
    classifier = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    classifier.fit(matrix, list(labels), sample_weight=weights)
    info = {"trained_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows": len(texts),
            "features": int(matrix.shape[1]), "C": C, "min_df": min_df, **(meta or {})}
    if char_ngrams:
        info |= {"char_ngrams": [int(char_ngrams[0]), int(char_ngrams[1])], "char_min_df": char_min_df}
    info.setdefault("version", f"tfidf-lr-{info['trained_at'][:10]}")
    return TextModel(
        classes=[str(label) for label in classifier.classes_],
        vocabulary={str(term): int(position) for term, position in vectoriser.vocabulary_.items()},
        idf=idf,
        coef=classifier.coef_.astype(np.float64),
        intercept=classifier.intercept_.astype(np.float64),
        meta=info,
        char_vocabulary=char_vocabulary,
    )


def cross_validate(texts: Sequence[str], labels: Sequence[str], groups: Sequence[str] | None,
                   folds: int = 5, **options: Any) -> list[str]:
    """Out-of-fold predicted labels; folds never split a group (event) when groups are given."""
    y = np.array(labels)
    splitter = (GroupKFold(n_splits=min(folds, len(set(groups)))) if groups is not None
                else StratifiedKFold(n_splits=folds, shuffle=True, random_state=0))
    predicted = np.empty(len(texts), dtype=object)
    for train, test in splitter.split(np.zeros(len(y)), y, groups):
        model = fit([texts[i] for i in train], y[train].tolist(), **options)
        for i in test:
            scores = model.scores(texts[i])
            predicted[i] = max(scores, key=scores.__getitem__)
    return predicted.tolist()


def per_class_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, float]]:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0)
    report = {label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
              for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)}
    report["macro"] = {key: float(np.mean([report[label][key] for label in labels]))
                       for key in ("precision", "recall", "f1")} | {"support": len(truth)}
    return report
