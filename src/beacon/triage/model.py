"""The trained text model: TF-IDF over words and word pairs (and optionally character n-grams of
those words), then a linear classifier.

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
from typing import TYPE_CHECKING, Any

import numpy as np

from beacon.triage.arrays import ModelFileError, load_arrays, save_arrays
from beacon.triage.text import model_tokens, model_tokens_of_normalised, normalise

if TYPE_CHECKING:
    from beacon.triage.semantic import SemanticModel

DEFAULT_MODEL = Path(__file__).parent / "data" / "model.npz"
PRIORITY_LABELS = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4",
                   "p1": "P1", "p2": "P2", "p3": "P3", "p4": "P4"}


ModelError = ModelFileError  # a model file is missing, unreadable or not a Beacon model


def features(text: str) -> list[str]:
    """Words and adjacent word pairs: the analyzer used both for training and for inference."""
    return _with_pairs(model_tokens(text))


def features_of_normalised(text: str) -> list[str]:
    """`features` of text already passed through `normalise`."""
    return _with_pairs(model_tokens_of_normalised(text))


def _with_pairs(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def word_char_grams(word: str, low: int, high: int) -> list[str]:
    """Character n-grams of one word padded with a space each side, as scikit-learn's `char_wb`."""
    padded = f" {word} "
    return [padded[i:i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


def char_features(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams of the model's words: the second analyser, for training and inference."""
    return [gram for word in model_tokens(text) for gram in word_char_grams(word, low, high)]


@dataclass
class TextModel:
    classes: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (classes or 1, features)
    intercept: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    # Character n-gram block (positions after the word block), empty for a words-only model.
    char_vocabulary: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Scoring touches ~40 features per message: gather their rows of idf-scaled coefficients
        # with one NumPy fancy index and one small matrix product (about 4x faster than a Python
        # loop over features and classes, and than scikit-learn's per-call overhead).
        self._idf = self.idf.tolist()
        self._scaled = np.ascontiguousarray((self.coef * self.idf).T)  # (features, classes)
        self._intercept = self.intercept.tolist()
        grams = self.meta.get("char_ngrams")
        self._char_range = (int(grams[0]), int(grams[1])) if grams and self.char_vocabulary else None
        self._char_weight = float(self.meta.get("char_weight", 1.0))
        self._word_positions: dict[str, np.ndarray] = {}  # char-block positions per word, cached
        self._idf_array = self.idf
        self._scaled_idf_free = np.ascontiguousarray(self.coef.T)  # (features, classes)

    def _char_positions(self, word: str) -> np.ndarray:
        positions = self._word_positions.get(word)
        if positions is None:
            get = self.char_vocabulary.get
            low, high = self._char_range  # type: ignore[misc]
            positions = np.array([p for g in word_char_grams(word, low, high)
                                  if (p := get(g)) is not None], dtype=np.int64)
            if len(self._word_positions) >= 100_000:
                self._word_positions.clear()
            self._word_positions[word] = positions
        return positions

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))

    @property
    def predicts_priority(self) -> bool:
        return all(label.lower() in PRIORITY_LABELS for label in self.classes)

    def vector(self, text: str) -> tuple[list[int], np.ndarray]:
        """The tf-idf vector the plain way: (feature positions, values), each block L2-normalised."""
        blocks = [Counter(self.vocabulary[f] for f in features(text) if f in self.vocabulary)]
        if self._char_range:
            blocks.append(Counter(self.char_vocabulary[g] for g in char_features(text, *self._char_range)
                                  if g in self.char_vocabulary))
        index: list[int] = []
        parts = []
        for number, counts in enumerate(blocks):
            if not counts:
                continue
            positions = list(counts)
            values = np.array([(1.0 + math.log(counts[i])) for i in positions]) * self.idf[positions]
            weight = self._char_weight if number else 1.0
            index += positions
            parts.append(weight * values / np.sqrt(values @ values))
        return (index, np.concatenate(parts)) if index else ([], np.zeros(0))

    def scores(self, text: str) -> dict[str, float]:
        """Probability per class label."""
        return self.scores_of_normalised(normalise(text))

    def scores_of_normalised(self, text: str) -> dict[str, float]:
        """`scores` of text already passed through `normalise` (triage normalises once)."""
        get = self.vocabulary.get
        words = model_tokens_of_normalised(text)
        counts: dict[int, int] = {}
        for feature in _with_pairs(words):
            position = get(feature)
            if position is not None:
                counts[position] = counts.get(position, 0) + 1
        # sublinear tf times idf, L2-normalised per block, as TfidfVectorizer(sublinear_tf=True)
        index, weights = self._block_weights(counts, 1.0)
        logits = self._intercept
        if index:
            sums = (np.array(weights) @ self._scaled[index]).tolist()
            logits = [b + value for b, value in zip(logits, sums, strict=True)]
        if self._char_range and words:
            # ~300 character n-grams a message: counted and weighted in NumPy, not in a Python loop
            grams = np.concatenate([self._char_positions(word) for word in words])
            if grams.size:
                position, count = np.unique(grams, return_counts=True)
                tf = np.where(count > 1, 1.0 + np.log(count), 1.0) * self._idf_array[position]
                tf *= self._char_weight / math.sqrt(tf @ tf)
                sums = (tf @ self._scaled_idf_free[position]).tolist()
                logits = [b + value for b, value in zip(logits, sums, strict=True)]
        return self._probabilities(logits)

    def _block_weights(self, counts: dict[int, int], weight: float) -> tuple[list[int], list[float]]:
        if not counts:
            return [], []
        index = list(counts)
        tf = [1.0 + math.log(n) if n > 1 else 1.0 for n in counts.values()]
        idf = self._idf
        norm = math.sqrt(sum((t * idf[i]) ** 2 for t, i in zip(tf, index, strict=True)))
        scale = weight / norm
        return index, [t * scale for t in tf]

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
        wanted = set(index)
        names = {position: term for vocabulary in (self.vocabulary, self.char_vocabulary)
                 for term, position in vocabulary.items() if position in wanted}
        order = np.argsort(-contribution)[:count]
        return [names[index[i]] for i in order if contribution[i] > 0]

    def save(self, path: Path | str) -> None:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        grams = sorted(self.char_vocabulary, key=self.char_vocabulary.__getitem__)
        blocks = {"char_vocabulary": np.array(grams, dtype=np.str_)} if grams else {}
        save_arrays(
            path,
            **blocks,
            vocabulary=np.array(terms, dtype=np.str_),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            classes=np.array(self.classes, dtype=np.str_),
            meta=np.array(json.dumps(self.meta), dtype=np.str_),
        )


def load_model(path: Path | str) -> TextModel | SemanticModel:
    """A model file of either kind: TF-IDF (`TextModel`) or encoder heads (`SemanticModel`)."""
    data = load_arrays(path)
    try:
        if "kind" in data and str(data["kind"]) == "semantic":
            from beacon.triage.semantic import from_arrays

            return from_arrays(data)
        terms = [str(term) for term in data["vocabulary"]]
        grams = [str(gram) for gram in data["char_vocabulary"]] if "char_vocabulary" in data else []
        return TextModel(
            classes=[str(label) for label in data["classes"]],
            vocabulary={term: position for position, term in enumerate(terms)},
            idf=data["idf"].astype(np.float64),
            coef=data["coef"].astype(np.float64),
            intercept=data["intercept"].astype(np.float64),
            meta=json.loads(str(data["meta"])),
            char_vocabulary={gram: len(terms) + position for position, gram in enumerate(grams)},
        )
    except (KeyError, ValueError, OSError) as error:
        raise ModelError(f"cannot load model {path}: not a Beacon model ({error})") from error


def load_default_model() -> TextModel | SemanticModel | None:
    """The shipped model, or None (lexicon only) if the package was built without one."""
    return load_model(DEFAULT_MODEL) if DEFAULT_MODEL.exists() else None
