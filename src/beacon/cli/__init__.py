"""The `beacon` command. Thin: each sub-command parses arguments and calls a capability.

Each module in this package adds its own commands to `app`; drop a module in to add some.
"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Beacon command line.")


def _register() -> None:
    """Import every module in this package: each adds its commands to `app` when imported."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    _register()
    app()
