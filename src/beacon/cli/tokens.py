"""`beacon token add|list|revoke`: API tokens for integrations, from the command line.

Thin: the rules are in beacon.staff.api_tokens. `--as` names the admin doing it, for the audit
log; a token is made for that admin's force. The token is printed once and never stored.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Actor
from beacon.bootstrap import bootstrap_store
from beacon.cli import app
from beacon.cli.core import fail
from beacon.clock import SystemClock
from beacon.config import Settings
from beacon.staff.api_tokens import Permission, TokenError, issue_token, list_tokens, revoke_token
from beacon.store.tables import Force, User

token_app = typer.Typer(help="API tokens for integrations (intake, metrics).", no_args_is_help=True)
app.add_typer(token_app, name="token")
out = Console(soft_wrap=True)
As = Annotated[str, typer.Option("--as", help="username of the admin doing it (audited)")]


def _admin(session: Session, username: str) -> tuple[Actor, int]:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise fail(f"no active user {username!r}")
    if user.role != "admin":
        raise fail(f"{username} is a {user.role}: API tokens are managed by admins")
    return Actor("user", user.id, user.display_name), user.force_id


@token_app.command("add")
def token_add(
    name: Annotated[str, typer.Argument(help="the integration, e.g. 'SMS gateway'")],
    actor_name: As,
    permission: Annotated[list[Permission], typer.Option("--permission", help="intake or metrics; repeat")],
    account: Annotated[list[str] | None, typer.Option(
        "--account", help="channel:account the token may post for, e.g. sms:+447700900000; repeat; "
                          "none: any of the force's")] = None,
) -> None:
    """Issue a token for the admin's force; it is shown once."""
    with bootstrap_store(Settings()).session_factory.begin() as session:
        actor, force_id = _admin(session, actor_name)
        try:
            issued = issue_token(session, force_id=force_id, name=name, permissions=permission,
                                 channel_accounts=account or [], actor=actor, now=SystemClock().now())
        except TokenError as error:
            raise fail(str(error)) from None
        token_id = issued.row.id
    out.print(f"token {token_id} ({name}) issued; it is shown only now:")
    out.print(issued.token, markup=False, highlight=False)


@token_app.command("list")
def token_list() -> None:
    """Every token: force, permissions, accounts, who issued it, whether it is revoked."""
    table = Table("id", "name", "force", "permissions", "channel accounts", "issued", "revoked")
    with bootstrap_store(Settings()).read_session_factory() as session:
        slugs = dict(session.execute(select(Force.id, Force.slug)).all())
        for row in list_tokens(session, None):
            table.add_row(str(row.id), row.name, slugs.get(row.force_id, "?"), ", ".join(row.permissions),
                          ", ".join(row.channel_accounts) or "any", f"{row.created_at:%Y-%m-%d %H:%M} {row.created_by}",
                          f"{row.revoked_at:%Y-%m-%d %H:%M} {row.revoked_by}" if row.revoked_at else "")
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: int,
    actor_name: As,
    reason: Annotated[str, typer.Option(help="why (recorded in the audit log)")] = "",
) -> None:
    """Revoke a token of the admin's force; requests with it are refused from now on."""
    with bootstrap_store(Settings()).session_factory.begin() as session:
        actor, force_id = _admin(session, actor_name)
        try:
            revoke_token(session, token_id, force_id=force_id, actor=actor, now=SystemClock().now(), reason=reason)
        except TokenError as error:
            raise fail(str(error)) from None
    out.print(f"token {token_id} revoked")
