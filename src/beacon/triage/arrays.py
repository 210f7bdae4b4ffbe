"""Model files as plain NumPy arrays: written exactly where asked, read without pickle.

`np.savez_compressed(path)` appends ".npz" to a path without that suffix, so `--output model`
wrote `model.npz` and `--model model` then failed; here the file is written to the path given,
atomically (a temporary file in the same folder, then a rename), whatever its name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np


class ModelFileError(ValueError):
    """A model file is missing, unreadable or not a Beacon model."""


def save_arrays(path: Path | str, **arrays: np.ndarray) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez_compressed(stream, **arrays)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a model file is read by the service
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_arrays(path: Path | str) -> dict[str, np.ndarray]:
    source = Path(path)
    if not source.is_file():
        raise ModelFileError(f"model file not found: {source}")
    try:
        with np.load(source, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError) as error:
        raise ModelFileError(f"cannot read model file {source}: {error}") from error
