"""Train the shipped meaning model (`src/beacon/triage/data/model.npz`).

    .venv/bin/python scripts/train_triage_model.py [--trecis ../shared/data/trec-is-dev/labels.csv]

Priority head: the police-contact corpus's train split (weight 1) with the TREC-IS developer
tweets (weight --trecis-weight; Critical/High/Medium/Low -> P1..P4); vulnerability and category
heads: the police rows only (TREC-IS carries neither). The encoder is the shipped one. The test
split is never read here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from _police import TRECIS, police, trecis  # noqa: E402

from beacon.triage.semantic import SemanticModel  # noqa: E402
from beacon.triage.semantic_training import embed, fit_semantic, fit_surface, label_thresholds  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "beacon" / "triage" / "data" / "model.npz"
# P(at least this urgent) needed for each grade ("cumulative" decision); see MODEL_CARD.md.
THRESHOLDS = {"P1": 0.45, "P2": 0.5, "P3": 0.6}
# The character reader (other languages) is trained on fewer rows: it grades more readily.
SURFACE_THRESHOLDS = {"P1": 0.4, "P2": 0.45, "P3": 0.5}
# English: P = (1 - w) * encoder + w * character reader (chosen on writers held out of training).
SURFACE_WEIGHT = 0.5
BLEND_FEATURES = 60_000


def train(trecis_path: Path | None, trecis_weight: float, version: str,
          police_rows: list[dict] | None = None, trec: tuple | None = None) -> SemanticModel:
    rows = police("train") if police_rows is None else police_rows
    texts = [row["text"] for row in rows]
    labels = [row["priority"] for row in rows]
    weights = [1.0] * len(rows)
    flags = [True] * len(rows)
    sets = {"vulnerabilities": [row["vulnerabilities"] for row in rows],
            "categories": [row["categories"] for row in rows]}
    if trec is None and trecis_path is not None and trecis_path.is_file():
        trec = trecis(trecis_path)[:2]
    if trec is not None:
        texts += list(trec[0])
        labels += list(trec[1])
        weights += [trecis_weight] * len(trec[0])
        flags += [False] * len(trec[0])
        for name in sets:
            sets[name] = sets[name] + [[] for _ in trec[0]]
    meta = {"version": version, "thresholds": THRESHOLDS, "decision": "cumulative", "police_rows": len(rows),
            "trecis_rows": len(trec[0]) if trec else 0, "trecis_weight": trecis_weight}
    english = [row for row in rows if row["language"] == "en"]
    matrix = embed([row["text"] for row in english])
    meta["label_thresholds"] = {name: label_thresholds(matrix, [row[name] for row in english], C=4.0)
                                for name in ("vulnerabilities", "categories")}
    model = fit_semantic(texts, labels, weights=weights, label_sets=sets, label_rows=flags, meta=meta)
    # Two character readers: one of the languages the encoder does not know, trained on the
    # non-English rows (with label heads), and one of every police row, blended with the encoder
    # for English (priority only). One reader for both was measured: English gained nothing and
    # the other languages lost (its vocabulary is mostly English).
    others = [row for row in rows if row["language"] != "en"]
    if len({row["priority"] for row in others}) > 1:
        model.surface, chosen = fit_surface(
            [row["text"] for row in others], [row["priority"] for row in others],
            {name: [row[name] for row in others] for name in ("vulnerabilities", "categories")})
        model.meta |= {"surface_rows": len(others), "surface_thresholds": SURFACE_THRESHOLDS,
                       "surface_label_thresholds": chosen,
                       "surface_languages": sorted({row["language"] for row in others})}
    model.blend_reader, _ = fit_surface([row["text"] for row in rows], [row["priority"] for row in rows], {},
                                        max_features=BLEND_FEATURES)
    model.meta |= {"surface_weight": SURFACE_WEIGHT, "blend_rows": len(rows)}
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trecis", type=Path, default=TRECIS)
    parser.add_argument("--trecis-weight", type=float, default=0.25)
    parser.add_argument("--version", default="police-semantic-4")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    model = train(args.trecis, args.trecis_weight, args.version)
    model.save(args.output)
    print(f"{model.version}: priority {model.classes}, heads "
          f"{ {name: len(head.labels) for name, head in model.labels.items()} }, "
          f"{model.meta['police_rows']} police + {model.meta['trecis_rows']} TREC-IS rows -> {args.output}")


if __name__ == "__main__":
    main()
