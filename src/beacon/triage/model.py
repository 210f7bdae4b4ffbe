"""The trained text model (placeholder until the model lands): None means lexicon only."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class TextModel(Protocol):
    version: str


def load_model(path: Path | str) -> TextModel:
    raise FileNotFoundError(f"no model at {path}")


def load_default_model() -> TextModel | None:
    return None
