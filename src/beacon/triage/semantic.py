"""The meaning model: the shipped sentence encoder with trained linear heads for priority and,
when trained with them, vulnerability and category labels.

Sentence-level scoring: a message is split into sentences and each is scored along with the whole
message; **the most urgent unit decides** (the one with the highest probability of P1 or P2), so
"...and he's outside now with a knife" at the end of a long email about parking counts in full.

Stored as plain arrays (see `arrays.py`); the encoder is not in the file, only its name, and is
shared by every model in the process.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from beacon.triage.arrays import save_arrays
from beacon.triage.encoder import SentenceEncoder, shared_encoder

if TYPE_CHECKING:
    from beacon.triage.surface import SurfaceModel

KIND = "semantic"
URGENT = ("p1", "p2", "critical", "high")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_UNIT_WORDS = 40
MAX_UNITS = 12


def units(text: str) -> list[str]:
    """The whole message (first 200 words), then its sentences if it has more than one; a long
    run-on sentence is cut into pieces of at most 40 words."""
    words = text.split()
    whole = " ".join(words[:200])
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence_words = sentence.split()
        for start in range(0, len(sentence_words), MAX_UNIT_WORDS):
            piece = " ".join(sentence_words[start:start + MAX_UNIT_WORDS])
            if len(piece) > 2:
                pieces.append(piece)
    if len(pieces) <= 1:
        return [whole] if whole else [""]
    return [whole] + pieces[:MAX_UNITS]


@dataclass
class Head:
    """One multinomial (priority) or one-vs-rest (labels) linear head over the embedding."""

    labels: list[str]
    coef: np.ndarray  # (labels, dimensions)
    intercept: np.ndarray  # (labels,)
    multinomial: bool

    def __post_init__(self) -> None:
        # (dimensions, labels) laid out by row: a sparse reader gathers a few hundred rows of it
        # per message, which is far cheaper contiguous than strided through a transposed view
        self.weights = np.ascontiguousarray(self.coef.T)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = np.asarray(embeddings @ self.weights) + self.intercept
        if self.multinomial:
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass
class SemanticModel:
    priority: Head
    meta: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Head] = field(default_factory=dict)  # "vulnerabilities", "categories"
    encoder: SentenceEncoder | None = None
    surface: SurfaceModel | None = None  # reads the languages the encoder does not know
    blend_reader: SurfaceModel | None = None  # a character reader of every language, blended for English

    def __post_init__(self) -> None:
        if self.encoder is None:
            self.encoder = shared_encoder()
        self._urgent = [i for i, label in enumerate(self.priority.labels) if label.lower() in URGENT]
        self._thresholds: dict[tuple[str, float, str], tuple[Any, dict[str, float]]] = {}
        # Every head's weights side by side, so that reading a message is one matrix product
        heads = [self.priority, *self.labels.values()]
        self._stacked = np.ascontiguousarray(np.vstack([head.coef for head in heads]).T)
        self._intercepts = np.concatenate([head.intercept for head in heads])
        ends = np.cumsum([len(head.labels) for head in heads])
        self._slices = {name: slice(start, end) for name, start, end in
                        zip(["priority", *self.labels], np.concatenate([[0], ends[:-1]]), ends, strict=True)}

    @property
    def classes(self) -> list[str]:
        return self.priority.labels

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))

    @property
    def predicts_priority(self) -> bool:
        from beacon.triage.model import PRIORITY_LABELS

        return all(label.lower() in PRIORITY_LABELS for label in self.classes)

    def read(self, text: str) -> SemanticReading:
        """Every unit scored; the most urgent one named."""
        return self.read_units(units(text))

    def read_units(self, pieces: list[str]) -> SemanticReading:
        embeddings = self.encoder.encode(pieces)  # type: ignore[union-attr]
        logits = embeddings @ self._stacked + self._intercepts
        probabilities = _softmax(logits[:, self._slices["priority"]])
        urgency = probabilities[:, self._urgent].sum(axis=1) if self._urgent else probabilities[:, 0]
        best = int(np.argmax(urgency))
        # each label head's highest probability over the units (sigmoid is monotonic: max first)
        label_best = {name: 1.0 / (1.0 + np.exp(-logits[:, self._slices[name]].max(axis=0)))
                      for name in self.labels}
        return SemanticReading(pieces, embeddings, probabilities, best, self, label_best)

    def scores(self, text: str) -> dict[str, float]:
        """Priority probabilities of the most urgent unit of the message."""
        return self.read(text).scores

    def scores_of_normalised(self, normalised: str) -> dict[str, float]:
        return self.scores(normalised)

    def save(self, path: Path | str) -> None:
        arrays: dict[str, np.ndarray] = {
            "kind": np.array(KIND), "meta": np.array(json.dumps(self.meta)),
            "priority_labels": np.array(self.priority.labels, dtype=np.str_),
            "priority_coef": self.priority.coef.astype(np.float32),
            "priority_intercept": self.priority.intercept.astype(np.float32),
        }
        for name, head in self.labels.items():
            arrays[f"head_{name}_labels"] = np.array(head.labels, dtype=np.str_)
            arrays[f"head_{name}_coef"] = head.coef.astype(np.float32)
            arrays[f"head_{name}_intercept"] = head.intercept.astype(np.float32)
        if self.surface is not None:
            arrays |= self.surface.arrays()
        if self.blend_reader is not None:
            arrays |= self.blend_reader.arrays("blend")
        save_arrays(path, **arrays)

    def label_thresholds(self, head: str, default: float, reader: str = "encoder") -> dict[str, float]:
        """Per-label thresholds chosen when the model was trained (out-of-fold, recall first),
        `default` for labels without one."""
        key = "label_thresholds" if reader == "encoder" else "surface_label_thresholds"
        # asked twice a message: cached with the meta entry it was read from, so that a model
        # whose thresholds are replaced after loading is not answered from the old ones
        source = self.meta.get(key)
        cached = self._thresholds.get((head, default, reader))
        if cached is not None and cached[0] is source:
            return dict(cached[1])
        chosen = (source or {}).get(head, {})
        heads = self.labels if reader == "encoder" else (self.surface.labels if self.surface else {})
        names = heads[head].labels if head in heads else []
        found = {name: float(chosen.get(name, default)) for name in names}
        self._thresholds[(head, default, reader)] = (source, found)
        return dict(found)


@dataclass
class SemanticReading:
    units: list[str]
    embeddings: np.ndarray
    probabilities: np.ndarray  # (units, priority labels)
    most_urgent: int
    model: SemanticModel
    label_best: dict[str, np.ndarray] = field(default_factory=dict)  # head -> highest over the units

    @property
    def scores(self) -> dict[str, float]:
        row = self.probabilities[self.most_urgent]
        return {label: float(p) for label, p in zip(self.model.priority.labels, row, strict=True)}

    @property
    def deciding_sentence(self) -> str | None:
        """The sentence that decided, when it was not the whole message."""
        return self.units[self.most_urgent] if self.most_urgent else None

    def labels(self, head: str, threshold: float | dict[str, float]) -> dict[str, float]:
        """Labels of a one-vs-rest head at or above `threshold` (one for all, or per label), the
        highest over the units."""
        found = self.model.labels.get(head)
        if found is None:
            return {}
        best = self.label_best[head] if head in self.label_best else found.probabilities(self.embeddings).max(axis=0)
        return {label: float(p) for label, p in zip(found.labels, best.tolist(), strict=True)
                if p >= (threshold.get(label, 0.5) if isinstance(threshold, dict) else threshold)}


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def from_arrays(arrays: dict[str, np.ndarray]) -> SemanticModel:
    priority = Head([str(x) for x in arrays["priority_labels"]], arrays["priority_coef"].astype(np.float32),
                    arrays["priority_intercept"].astype(np.float32), True)
    labels = {}
    for name in ("vulnerabilities", "categories"):
        if f"head_{name}_labels" in arrays:
            labels[name] = Head([str(x) for x in arrays[f"head_{name}_labels"]],
                                arrays[f"head_{name}_coef"].astype(np.float32),
                                arrays[f"head_{name}_intercept"].astype(np.float32), False)
    from beacon.triage.surface import surface_from_arrays

    return SemanticModel(priority, json.loads(str(arrays["meta"])), labels,
                         surface=surface_from_arrays(arrays), blend_reader=surface_from_arrays(arrays, "blend"))
