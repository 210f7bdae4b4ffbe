#!/usr/bin/env python3
"""Set up and run Beacon with nothing but Python 3.11.

    python3.11 dev.py demo    # the demo: venv, pinned deps, SQLite, scenario, UI on 127.0.0.1:8000
    python3.11 dev.py test    # the test suite (PostgreSQL/Redis tests run when BEACON_TEST_*_URL are set)

Extra arguments go to the command: `python3.11 dev.py test -k intake`, `python3.11 dev.py demo --port 9000`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCKS = {"demo": ["requirements.lock"], "test": ["requirements.lock", "requirements-test.lock"]}


def ensure_environment(kind: str) -> None:
    """Create .venv and install the pinned dependencies, only when the lock files changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Beacon needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating virtual environment in .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    locks = LOCKS[kind]
    stamp = VENV / f".installed-{kind}"
    digest = _digest([ROOT / name for name in locks] + [ROOT / "pyproject.toml"])
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing pinned dependencies ({', '.join(locks)})", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    for lock in locks:
        pip += ["-r", str(ROOT / lock)]
    _run(pip)
    _run([str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
          "--no-deps", "-e", str(ROOT)])
    stamp.write_text(digest)


def _digest(paths: list[Path]) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in LOCKS:
        sys.exit(__doc__)
    kind, extra = sys.argv[1], sys.argv[2:]
    ensure_environment(kind)
    env = dict(os.environ)
    if kind == "demo":
        env.setdefault("BEACON_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'demo.db'}")
        env.setdefault("BEACON_VAR_DIR", str(ROOT / "var"))
        _run([str(BIN / "beacon"), "demo", *extra], env)
    else:
        _run([str(BIN / "python"), "-m", "pytest", *extra], env)


if __name__ == "__main__":
    main()
