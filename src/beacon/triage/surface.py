"""The character reader: how the meaning model reads a language its encoder does not know.

The shipped sentence encoder was distilled from an English model, so a Polish or Welsh message
comes out as noise in its embedding space. For messages the language gate calls "not covered",
the meaning model reads them with this instead: TF-IDF over character n-grams of the words
(diacritics folded, so "noz" and "nóż" are the same word), with the same kinds of linear heads
(priority, vulnerabilities, categories), trained on the police corpus's non-English rows. Like
the encoder path, each sentence is read and the most urgent one decides.

Character n-grams carry inflections ("nożem", "noża") and spelling slips, which a list of words
does not; they do not carry meaning across languages, so every language needs training rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from beacon.triage.model import word_char_grams
from beacon.triage.semantic import URGENT, Head, units
from beacon.triage.text import model_tokens

GRAMS = (2, 5)
_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ı": "i"})


def fold(word: str) -> str:
    """Lower case without diacritics: people often type Polish, Romanian or Welsh without them."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def word_features(token: str) -> list[str]:
    """One token's features: the folded word and its character n-grams (as scikit-learn's
    `char_wb`)."""
    word = fold(token)
    return [f"w:{word}", *word_char_grams(word, *GRAMS)]


def surface_features(text: str) -> list[str]:
    """Every token's `word_features`: the analyser for training (reading counts the same
    features word by word, through a cache)."""
    return [feature for token in model_tokens(text) for feature in word_features(token)]


class SparseRows:
    """TF-IDF rows kept as one run of (position, value) pairs with each sentence's start: a
    sentence holds a few hundred of the reader's tens of thousands of features, and its heads
    have a few dozen labels, so gathering those columns once for all of a message's sentences is
    far cheaper than a sparse-matrix library's machinery or a loop per sentence."""

    def __init__(self, positions: np.ndarray, values: np.ndarray, filled: np.ndarray, starts: np.ndarray,
                 count: int, width: int) -> None:
        # filled: the sentences that have any feature; starts: where each one's run begins
        self.positions, self.values, self.filled, self.starts = positions, values, filled, starts
        self.count, self.width = count, width

    def __matmul__(self, weights: np.ndarray) -> np.ndarray:  # weights: (features, labels)
        out = np.zeros((self.count, weights.shape[1]), dtype=np.float32)
        if len(self.filled) == 1:  # most messages are one sentence
            out[self.filled[0]] = self.values @ weights[self.positions]
        elif len(self.positions):
            # one small dense product: (sentences x pairs) of values times the gathered columns
            spread = np.zeros((len(self.filled), len(self.positions)), dtype=np.float32)
            spread[np.repeat(np.arange(len(self.filled)), self._lengths()), np.arange(len(self.positions))] = self.values
            out[self.filled] = spread @ weights[self.positions]
        return out

    def _lengths(self) -> np.ndarray:
        return np.diff(np.append(self.starts, len(self.positions)))

    def toarray(self) -> np.ndarray:
        dense = np.zeros((self.count, self.width), dtype=np.float32)
        if len(self.positions):
            sentence = np.repeat(self.filled, self._lengths())
            dense[sentence, self.positions] = self.values
        return dense


# Words seen before are looked up, not cut into n-grams again; bounded so a long-running server
# reading every new word does not grow for ever.
WORD_CACHE = 200_000
def _counted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(keys, return_counts=True)` for a non-empty 1-D array, without its set-up cost
    (a few microseconds a call, twice a message)."""
    ordered = np.sort(keys)
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(starts, append=len(ordered))


_NO_POSITIONS = np.zeros(0, np.int64)
_NO_VALUES = np.zeros(0, np.float32)
_FIRST = np.zeros(1, np.int64)


@dataclass
class SurfaceModel:
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,)
    priority: Head
    labels: dict[str, Head]
    _words: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def _positions(self, token: str) -> np.ndarray:
        found = self._words.get(token)
        if found is None:
            found = np.array([self.vocabulary[f] for f in word_features(token) if f in self.vocabulary],
                             dtype=np.int64)
            if len(self._words) >= WORD_CACHE:
                self._words.clear()
            self._words[token] = found
        return found

    def vectors(self, texts: list[str]) -> SparseRows:
        """Sublinear TF-IDF rows, L2-normalised, exactly as scikit-learn's TfidfVectorizer made
        them for training (`surface_features` is its analyser); all sentences counted in one
        `np.unique` over (sentence, feature) keys."""
        width = len(self.idf)
        pieces = []
        for text in texts:
            words = [self._positions(token) for token in model_tokens(text)]
            pieces.append(np.concatenate(words) if words else _NO_POSITIONS)
        if len(pieces) == 1:  # most messages are one sentence: no (sentence, feature) keys
            if not len(pieces[0]):
                return SparseRows(_NO_POSITIONS, _NO_VALUES, _NO_POSITIONS, _NO_POSITIONS, 1, width)
            positions, counts = _counted(pieces[0])
            weights = (1.0 + np.log(counts)) * self.idf[positions]
            values = (weights / np.sqrt(weights @ weights)).astype(np.float32)
            return SparseRows(positions, values, _FIRST, _FIRST, 1, width)
        # (sentence, feature) as one key, so that one np.unique counts every sentence
        keys = np.concatenate(pieces) + np.repeat(np.arange(len(pieces), dtype=np.int64) * width,
                                                  [len(p) for p in pieces])
        if not len(keys):
            return SparseRows(_NO_POSITIONS, _NO_VALUES, _NO_POSITIONS, _NO_POSITIONS, len(texts), width)
        found, counts = _counted(keys)
        sentence, positions = np.divmod(found, width)
        weights = (1.0 + np.log(counts)) * self.idf[positions]
        starts = np.flatnonzero(np.diff(sentence, prepend=-1))
        norms = np.sqrt(np.add.reduceat(weights * weights, starts))
        values = (weights / np.repeat(norms, np.diff(np.append(starts, len(weights))))).astype(np.float32)
        return SparseRows(positions, values, sentence[starts], starts, len(texts), width)

    def read(self, text: str) -> SurfaceReading:
        return self.read_units(units(text))

    def read_units(self, pieces: list[str]) -> SurfaceReading:
        """`pieces`: the message's `units`, when the caller has cut them already."""
        vectors = self.vectors(pieces)
        probabilities = self.priority.probabilities(vectors)
        urgent = [i for i, label in enumerate(self.priority.labels) if label.lower() in URGENT]
        best = int(np.argmax(probabilities[:, urgent].sum(axis=1))) if urgent else 0
        return SurfaceReading(pieces, vectors, probabilities, best, self)

    def arrays(self, prefix: str = "surface") -> dict[str, np.ndarray]:
        grams = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        arrays = {f"{prefix}_vocabulary": np.array(grams, dtype=np.str_),
                  f"{prefix}_idf": self.idf.astype(np.float32)}
        for name, head in {"priority": self.priority, **self.labels}.items():
            arrays[f"{prefix}_{name}_labels"] = np.array(head.labels, dtype=np.str_)
            arrays[f"{prefix}_{name}_coef"] = head.coef.astype(np.float32)
            arrays[f"{prefix}_{name}_intercept"] = head.intercept.astype(np.float32)
        return arrays


@dataclass
class SurfaceReading:
    """The same questions a `SemanticReading` answers, for the character reader."""

    units: list[str]
    embeddings: np.ndarray
    probabilities: np.ndarray
    most_urgent: int
    model: SurfaceModel

    @property
    def scores(self) -> dict[str, float]:
        row = self.probabilities[self.most_urgent]
        return {label: float(p) for label, p in zip(self.model.priority.labels, row, strict=True)}

    @property
    def deciding_sentence(self) -> str | None:
        return self.units[self.most_urgent] if self.most_urgent else None

    def labels(self, head: str, threshold: float | dict[str, float]) -> dict[str, float]:
        found = self.model.labels.get(head)
        if found is None:
            return {}
        best = found.probabilities(self.embeddings).max(axis=0)
        return {label: float(p) for label, p in zip(found.labels, best, strict=True)
                if p >= _threshold(threshold, label)}


def _threshold(threshold: float | dict[str, float], label: str) -> float:
    return threshold.get(label, 0.5) if isinstance(threshold, dict) else threshold


def surface_from_arrays(arrays: dict[str, np.ndarray], prefix: str = "surface") -> SurfaceModel | None:
    if f"{prefix}_vocabulary" not in arrays:
        return None
    vocabulary = {str(gram): i for i, gram in enumerate(arrays[f"{prefix}_vocabulary"])}
    heads = {}
    for name in ("priority", "vulnerabilities", "categories"):
        if f"{prefix}_{name}_labels" in arrays:
            heads[name] = Head([str(x) for x in arrays[f"{prefix}_{name}_labels"]],
                               arrays[f"{prefix}_{name}_coef"].astype(np.float32),
                               arrays[f"{prefix}_{name}_intercept"].astype(np.float32), name == "priority")
    priority = heads.pop("priority")
    return SurfaceModel(vocabulary, arrays[f"{prefix}_idf"].astype(np.float32), priority, heads)
