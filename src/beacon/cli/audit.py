"""`beacon audit verify`: check the audit chain and name the first bad row."""

from __future__ import annotations

import typer
from rich.console import Console

from beacon.audit import verify_chain
from beacon.bootstrap import bootstrap_store
from beacon.cli import app
from beacon.config import Settings

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
console = Console(soft_wrap=True)


@audit_app.command("verify")
def verify() -> None:
    """Recompute every hash in order; exit 1 and name the first bad row if the chain is broken."""
    store = bootstrap_store(Settings())
    with store.read_session_factory() as session:
        report = verify_chain(session)
    if report.ok:
        console.print(f"audit chain intact: {report.checked} events verified")
        return
    console.print(f"[bold red]audit chain broken[/] at event {report.first_bad_id}: {report.problem} "
                  f"({report.checked} events verified before it)")
    raise typer.Exit(1)
