"""Speed work must not change results: a fixed synthetic set against a stored snapshot, and the
fast paths (shared tokenising, the candidate cache, the vectorised model) against the plain ones.

The snapshot (`data/synthetic_results.json`) holds, per message, the priority, urgency and a digest
of the whole result except the place (the beats table is force data and changes on its own). After
an intended change to the lexicon or the policy, rewrite it with
`.venv/bin/python tests/triage/test_results_unchanged.py` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import synthetic_messages  # noqa: E402

from beacon.triage import TriageEngine  # noqa: E402
from beacon.triage.analysis import analyse, analyse_words  # noqa: E402
from beacon.triage.model import TextModel, load_default_model  # noqa: E402
from beacon.triage.text import tokenise  # noqa: E402
from beacon.triage.training import fit  # noqa: E402

SNAPSHOT = Path(__file__).parent / "data" / "synthetic_results.json"


def _summary(engine: TriageEngine, text: str) -> list:
    data = engine.triage(text).to_dict()
    data.pop("place")
    data["reasons"] = [reason for reason in data["reasons"] if reason["kind"] != "place"]
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return [data["priority"], data["urgency"], digest[:16]]


def test_lexicon_engine_matches_the_snapshot(lexicon_engine):
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    texts = synthetic_messages()
    assert len(expected) == len(texts)
    changed = [(i, texts[i]) for i, text in enumerate(texts)
               if _summary(lexicon_engine, text) != expected[i]]
    assert not changed, f"{len(changed)} results changed, first: {changed[:3]}"


def _reference_scores(model: TextModel, text: str) -> dict[str, float]:
    """The model's probabilities the plain way: full tf-idf vector, matrix product, softmax."""
    index, values = model.vector(text)
    logits = model.intercept + (model.coef[:, index] @ values if index else 0.0)
    if len(model.classes) == 2 and logits.shape[0] == 1:
        positive = 1.0 / (1.0 + math.exp(-logits[0]))
        return {model.classes[0]: 1.0 - positive, model.classes[1]: positive}
    exp = np.exp(logits - logits.max())
    return dict(zip(model.classes, (exp / exp.sum()).tolist(), strict=True))


@pytest.mark.parametrize("which", ["shipped", "binary", "characters"])
def test_fast_model_scores_equal_the_plain_computation(which):
    texts = synthetic_messages()
    if which == "shipped":
        model = load_default_model()
        assert model is not None
        if not isinstance(model, TextModel):  # the meaning model: its encoder's fast path
            encoder = model.encoder
            assert np.abs(encoder.encode(texts) - encoder.encode_reference(texts)).max() < 2e-3
            return
    elif which == "characters":
        labels = ["High" if "!" in text else "Low" if len(text) % 2 else "Medium" for text in texts]
        model = fit(texts, labels, min_df=1, char_ngrams=(2, 5), char_min_df=2)
        assert model.char_vocabulary
    else:
        model = fit(texts, ["alarm" if "!" in text or "help" in text else "calm" for text in texts],
                    min_df=1)
    for text in texts:
        fast, plain = model.scores(text), _reference_scores(model, text)
        assert fast.keys() == plain.keys()
        assert all(abs(fast[label] - plain[label]) < 1e-9 for label in fast), text


def test_shared_tokens_give_the_same_evidence_and_place(lexicon_engine):
    for text in synthetic_messages():
        words = tokenise(text)
        assert analyse_words(lexicon_engine.lexicon, words) == analyse(lexicon_engine.lexicon, text)
        assert lexicon_engine.places.find(text, None, words) == lexicon_engine.places.find(text)


def test_candidate_cache_answers_as_the_index_does(lexicon_engine):
    index = lexicon_engine.lexicon.index
    for text in synthetic_messages()[:100]:
        for word in tokenise(text) + ["shoplifting", "shoplift", "zzz"]:
            assert list(index.candidates(word)) == index._lookup(word)  # noqa: SLF001


def _write_snapshot() -> None:
    engine = TriageEngine.load(use_model=False)
    rows = [_summary(engine, text) for text in synthetic_messages()]
    SNAPSHOT.write_text(json.dumps(rows, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_snapshot()
