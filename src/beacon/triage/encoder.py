"""The shipped sentence encoder: a static (model2vec) model distilled once from all-MiniLM-L6-v2.

Each token has a fixed 256-dimensional vector learnt by MiniLM; a sentence is the normalised mean
of its tokens' vectors. That keeps most of what the transformer knows of word meaning ("throttling
her" lands near "strangling her", "took all her tablets" near "overdose") at ~40,000 sentences a
second on one core, with no download at run time: the files are in `data/encoder/`. How it was
made: `src/beacon/triage/data/encoder/README.md`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_ENCODER = Path(__file__).parent / "data" / "encoder"

# The encoder's tokenizer (BERT's normaliser, pre-tokeniser and WordPiece) treats each
# whitespace-separated word on its own, so a sentence's tokens are its words' tokens in order and a
# word seen before is looked up, not tokenized again. The split is exactly where the tokenizer
# splits: the characters its normaliser keeps as whitespace (tab, newline, return and the space
# separators), not Python's `str.split` set, which also splits at control characters the
# normaliser deletes (so "ab\x0bcd" stays one word, as the tokenizer reads it).
_TOKENIZER_SPACE = re.compile("[\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
MAX_TOKENS = 512  # the tokenizer's truncation
WORD_CACHE = 200_000  # bounded, so a server reading every new word does not grow for ever


class SentenceEncoder:
    def __init__(self, path: Path | str = DEFAULT_ENCODER) -> None:
        from model2vec import StaticModel  # imported here: loading it costs ~0.3 s

        self.path = Path(path)
        if not (self.path / "model.safetensors").is_file():
            raise FileNotFoundError(f"no sentence encoder at {self.path}")
        self._model = StaticModel.from_pretrained(str(self.path))
        self.dimensions = int(self._model.dim)
        # Triage encodes a few sentences per message: model2vec's own `encode` costs ~100 us a
        # call in set-up, so the mean of token vectors is taken here in one NumPy reduction over
        # a float32 copy of the table (weights folded in); `encode_reference` is the library's.
        table = np.asarray(self._model.embedding, dtype=np.float32)
        if self._model.token_mapping is not None:
            table = table[np.asarray(self._model.token_mapping)]
        if self._model.weights is not None:
            table = table * np.asarray(self._model.weights, dtype=np.float32)[:, None]
        self._table = table
        self._tokenizer = self._model.tokenizer
        self._unknown = self._model.unk_token_id
        self._words: dict[str, list[int]] = {}

    def tokenize(self, sentences: list[str]) -> list[list[int]]:
        """Token ids per sentence, the same as model2vec's `tokenize` (a test holds them equal),
        through the per-word cache."""
        words, new = self._words, []
        split = [[w for w in _TOKENIZER_SPACE.split(sentence) if w] for sentence in sentences]
        for sentence_words in split:
            new.extend(w for w in sentence_words if w not in words)
        if new:
            if len(words) + len(new) > WORD_CACHE:
                words.clear()
            fresh = list(dict.fromkeys(new))
            for word, encoding in zip(fresh, self._tokenizer.encode_batch_fast(fresh, add_special_tokens=False),
                                      strict=True):
                words[word] = [t for t in encoding.ids if t != self._unknown]
        return [[t for w in sentence_words for t in words[w]][:MAX_TOKENS] for sentence_words in split]

    def encode(self, sentences: list[str]) -> np.ndarray:
        """(len(sentences), dimensions) float32, each row of unit length (zeros for no tokens)."""
        out = np.zeros((len(sentences), self.dimensions), dtype=np.float32)
        if not sentences:
            return out
        ids = self.tokenize(sentences)
        if len(ids) == 1:  # most messages are one sentence: no segment bookkeeping
            if ids[0]:
                mean = self._table[ids[0]].sum(axis=0) / len(ids[0])
                out[0] = mean / (np.sqrt(mean @ mean) + 1e-32)
            return out
        rows = [i for i, tokens in enumerate(ids) if tokens]
        if not rows:
            return out
        lengths = np.array([len(ids[i]) for i in rows])
        flat = np.fromiter((token for i in rows for token in ids[i]), dtype=np.int64, count=int(lengths.sum()))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        means = np.add.reduceat(self._table[flat], starts, axis=0) / lengths[:, None]
        means /= np.linalg.norm(means, axis=1, keepdims=True) + 1e-32
        out[rows] = means
        return out

    def encode_reference(self, sentences: list[str]) -> np.ndarray:
        """model2vec's own encoding, for the test that the fast path gives the same vectors."""
        return np.asarray(self._model.encode(sentences, show_progress_bar=False), dtype=np.float32)


@lru_cache(maxsize=2)
def shared_encoder(path: str = str(DEFAULT_ENCODER)) -> SentenceEncoder:
    """One encoder per process: every model that uses the shipped encoder shares its 15 MB."""
    return SentenceEncoder(path)
