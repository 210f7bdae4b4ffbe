"""The trained text model: TF-IDF over words and word pairs, then a linear classifier.

Stored as a NumPy `.npz` of plain arrays (vocabulary, idf, coefficients, intercepts, classes and a
JSON metadata string) and loaded with `allow_pickle=False`, so loading a model file cannot run
code. Inference is hand-written (a few dictionary lookups and one small matrix product) because
scikit-learn's per-call overhead would cap triage near 1,300 messages a second.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from beacon.triage.text import model_tokens, model_tokens_of_normalised, normalise

DEFAULT_MODEL = Path(__file__).parent / "data" / "model.npz"
PRIORITY_LABELS = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4",
                   "p1": "P1", "p2": "P2", "p3": "P3", "p4": "P4"}


class ModelError(ValueError):
    """A model file is missing, unreadable or not a Beacon model."""


def features(text: str) -> list[str]:
    """Words and adjacent word pairs: the analyzer used both for training and for inference."""
    return _with_pairs(model_tokens(text))


def features_of_normalised(text: str) -> list[str]:
    """`features` of text already passed through `normalise`."""
    return _with_pairs(model_tokens_of_normalised(text))


def _with_pairs(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class TextModel:
    classes: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (classes or 1, features)
    intercept: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Scoring touches ~40 features per message: gather their rows of idf-scaled coefficients
        # with one NumPy fancy index and one small matrix product (about 4x faster than a Python
        # loop over features and classes, and than scikit-learn's per-call overhead).
        self._idf = self.idf.tolist()
        self._scaled = np.ascontiguousarray((self.coef * self.idf).T)  # (features, classes)
        self._intercept = self.intercept.tolist()

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))

    @property
    def predicts_priority(self) -> bool:
        return all(label.lower() in PRIORITY_LABELS for label in self.classes)

    def vector(self, text: str) -> tuple[list[int], np.ndarray]:
        counts = Counter(self.vocabulary[f] for f in features(text) if f in self.vocabulary)
        if not counts:
            return [], np.zeros(0)
        index = list(counts)
        values = np.array([(1.0 + math.log(counts[i])) for i in index]) * self.idf[index]
        return index, values / np.sqrt(values @ values)

    def scores(self, text: str) -> dict[str, float]:
        """Probability per class label."""
        return self.scores_of_normalised(normalise(text))

    def scores_of_normalised(self, text: str) -> dict[str, float]:
        """`scores` of text already passed through `normalise` (triage normalises once)."""
        get = self.vocabulary.get
        counts: dict[int, int] = {}
        for feature in features_of_normalised(text):
            position = get(feature)
            if position is not None:
                counts[position] = counts.get(position, 0) + 1
        logits = list(self._intercept)
        if counts:
            # sublinear tf times idf, L2-normalised, as TfidfVectorizer(sublinear_tf=True) does
            tf = [1.0 + math.log(n) if n > 1 else 1.0 for n in counts.values()]
            idf = self._idf
            norm = math.sqrt(sum((t * idf[i]) ** 2 for t, i in zip(tf, counts, strict=True)))
            sums = (np.array(tf) @ self._scaled[list(counts)]).tolist()
            logits = [b + value / norm for b, value in zip(logits, sums, strict=True)]
        return self._probabilities(logits)

    def _probabilities(self, logits: list[float]) -> dict[str, float]:
        if len(self.classes) == 2 and len(logits) == 1:
            positive = 1.0 / (1.0 + math.exp(-logits[0]))
            return {self.classes[0]: 1.0 - positive, self.classes[1]: positive}
        top = max(logits)
        exp = [math.exp(logit - top) for logit in logits]
        total = sum(exp)
        return {label: value / total for label, value in zip(self.classes, exp, strict=True)}

    def top_terms(self, text: str, label: str, count: int = 3) -> list[str]:
        """The features that pushed most towards `label`: the model's reasons."""
        index, values = self.vector(text)
        if not index or label not in self.classes:
            return []
        row = self.coef[min(self.classes.index(label), self.coef.shape[0] - 1)]
        contribution = row[index] * values
        names = {position: term for term, position in self.vocabulary.items() if position in index}
        order = np.argsort(-contribution)[:count]
        return [names[index[i]] for i in order if contribution[i] > 0]

    def save(self, path: Path | str) -> None:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            path,
            vocabulary=np.array(terms, dtype=np.str_),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            classes=np.array(self.classes, dtype=np.str_),
            meta=np.array(json.dumps(self.meta), dtype=np.str_),
        )


def load_model(path: Path | str) -> TextModel:
    try:
        with np.load(path, allow_pickle=False) as data:
            terms = [str(term) for term in data["vocabulary"]]
            return TextModel(
                classes=[str(label) for label in data["classes"]],
                vocabulary={term: position for position, term in enumerate(terms)},
                idf=data["idf"].astype(np.float64),
                coef=data["coef"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                meta=json.loads(str(data["meta"])),
            )
    except (OSError, KeyError, ValueError) as error:
        raise ModelError(f"cannot load model {path}: {error}") from error


def load_default_model() -> TextModel | None:
    """The shipped model, or None (lexicon only) if the package was built without one."""
    return load_model(DEFAULT_MODEL) if DEFAULT_MODEL.exists() else None
