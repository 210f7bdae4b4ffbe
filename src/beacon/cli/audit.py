"""`beacon audit verify` and `beacon audit checkpoint`: check the keyed audit chain against the
signed checkpoints, and sign where the chain stands now."""

from __future__ import annotations

from datetime import UTC, datetime

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
    """Recompute every keyed hash in order and compare with every checkpoint; exit 1 and say
    what does not hold if the chain was edited, cut short, emptied or recomputed."""
    store = bootstrap_store(Settings())
    with store.read_session_factory() as session:
        report = verify_chain(session, now=datetime.now(UTC))
    if report.ok:
        console.print(f"audit chain intact: {report.checked} events verified "
                      f"against the checkpoints in {store.audit_seal.checkpoints.directory}")
        return
    where = f" at event {report.first_bad_id}" if report.first_bad_id is not None else ""
    console.print(f"[bold red]audit chain broken[/]{where}: {report.problem} "
                  f"({report.checked} events verified before it)")
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Sign a checkpoint of the chain as it stands (after verifying it), e.g. when Beacon was
    stopped before it could write its own."""
    store = bootstrap_store(Settings())
    with store.read_session_factory() as session:
        report = verify_chain(session)
    if not report.ok:
        console.print(f"[bold red]not signed[/]: the chain does not verify ({report.problem})")
        raise typer.Exit(1)
    written = store.audit_seal.checkpoints.write()
    if written is None:
        console.print("nothing new to sign: the newest checkpoint already covers the chain")
        return
    console.print(f"checkpoint {written.seq} signed: {written.count} events up to event {written.head_id}")
