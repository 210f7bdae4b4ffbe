"""The encoder's word-by-word tokenizer gives exactly the ids model2vec's own tokenizer gives,
on the team's corpus and on text built to catch a wrong split (control characters the
normaliser deletes, unusual spaces, CJK, emoji, accents, a run past the 512-token truncation)."""

from __future__ import annotations

import json
from pathlib import Path

from beacon.triage.encoder import shared_encoder
from tests.triage.synthetic import synthetic_messages

AWKWARD = [
    "ab\x0bcd ef\x0cgh ij\x85kl mn\x1fop",  # control characters: deleted, not split at
    "no\u00a0break thin\u2009space ideo\u3000graphic line\u2028sep para\u2029sep",
    "東京で事件 中文字符 mixed東京text",
    "he's got a knife!!! 🔪🔪 help,,now...now?? (asap) £20 #Leeds @WYP",
    "Café naïve façade Żółć gęślą jaźń Llanelli'n ddiogel",
    "\t leading and trailing \n\r ",
    "",
    "   ",
    "word " * 700,  # longer than the tokenizer's truncation
    "supercalifragilisticexpialidocious" * 4,  # a word past WordPiece's per-word limit
]


CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "police-contact"


def corpus_texts() -> list[str]:
    return [json.loads(line)["text"] for path in sorted(CORPUS.glob("*/*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_word_by_word_tokens_equal_the_library_tokens():
    encoder = shared_encoder()
    texts = synthetic_messages() + corpus_texts() + AWKWARD
    assert len(texts) > 4000
    assert encoder.tokenize(texts) == encoder._model.tokenize(texts)
    # a second pass answers from the cache, and still the same
    assert encoder.tokenize(texts) == encoder._model.tokenize(texts)
