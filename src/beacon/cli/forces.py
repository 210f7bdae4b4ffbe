"""`beacon force add|list|account-add|account-remove|accounts`: forces and their channel accounts.

Thin: the rules (a slug and a case prefix of its own, an account owned by one force only) are in
beacon.store.forces, and beacon.force_admin (which `/admin/forces` calls too) checks the input and
audits each change. A running server sees a new account within 30 seconds (its directory's cache).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from beacon.bootstrap import Store, bootstrap_store
from beacon.cli import app
from beacon.cli.core import fail
from beacon.config import Settings
from beacon.messages import Channel
from beacon.clock import SystemClock
from beacon.force_admin import add_account, add_force, remove_account
from beacon.staff.accounts import COMMAND_LINE
from beacon.store.forces import (
    ForceError,
    channel_accounts_of,
    ensure_force,
    force_by_slug,
    forces_with_account_counts,
)
from beacon.store.migrate import upgrade

force_app = typer.Typer(help="Forces and their channel accounts.", no_args_is_help=True)
app.add_typer(force_app, name="force")
out = Console(soft_wrap=True)


def _store() -> Store:
    """The database, migrated and with its default force, as `beacon migrate` leaves it (so the
    default force keeps prefix BC even when another force is added first)."""
    settings = Settings()
    store = bootstrap_store(settings)
    upgrade(store.engine)
    with store.session_factory.begin() as session:
        ensure_force(session, settings.default_force, settings.default_force.title())
    return store


@force_app.command("add")
def force_add(
    slug: Annotated[str, typer.Argument(help="short id, e.g. north-wales")],
    prefix: Annotated[str, typer.Option("--prefix", help="case prefix, 2-8 letters, unique: NW")],
    name: Annotated[str | None, typer.Option(help="display name (default: from the slug)")] = None,
) -> None:
    """Create a force with its default teams and its own case prefix."""
    try:
        with _store().session_factory.begin() as session:
            force = add_force(session, slug, name or "", prefix, COMMAND_LINE, SystemClock().now())
            line = f"force {force.slug} added: {force.name}, cases {force.case_prefix}-YYMMDD-NNNN"
    except ForceError as error:
        raise fail(str(error)) from None
    out.print(line)


@force_app.command("list")
def force_list() -> None:
    """Every force with its case prefix and number of channel accounts."""
    table = Table("slug", "name", "case prefix", "channel accounts")
    with _store().read_session_factory() as session:
        for force, accounts in forces_with_account_counts(session):
            table.add_row(force.slug, force.name, force.case_prefix, str(accounts))
    out.print(table)


@force_app.command("account-add")
def account_add(slug: str, channel: Channel, account: str) -> None:
    """Give a force a channel account (its X handle, Page id, SMS number, mailbox)."""
    try:
        with _store().session_factory.begin() as session:
            add_account(session, force_by_slug(session, slug), channel.value, account, COMMAND_LINE, SystemClock().now())
    except ForceError as error:
        raise fail(str(error)) from None
    out.print(f"{channel.value} account {account} belongs to force {slug}")


@force_app.command("account-remove")
def account_remove(slug: str, channel: Channel, account: str) -> None:
    """Take a channel account from a force (its deliveries then go to the default force)."""
    try:
        with _store().session_factory.begin() as session:
            remove_account(session, force_by_slug(session, slug), channel.value, account, COMMAND_LINE,
                           SystemClock().now())
    except ForceError as error:
        raise fail(str(error)) from None
    out.print(f"{channel.value} account {account} removed from force {slug}")


@force_app.command("accounts")
def accounts(slug: str) -> None:
    """A force's channel accounts."""
    table = Table("channel", "account")
    try:
        with _store().read_session_factory() as session:
            for mapped in channel_accounts_of(session, force_by_slug(session, slug).id):
                table.add_row(mapped.channel, mapped.account)
    except ForceError as error:
        raise fail(str(error)) from None
    out.print(table)
