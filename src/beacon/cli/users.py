"""More `beacon user` commands: list, email, team, deactivate, reactivate, totp-reset. Thin: each
calls the function `/admin/users` or `/admin/teams` calls (beacon.staff.accounts,
beacon.cases.teams), which audits (and ends sessions where the change needs it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.bootstrap import bootstrap_store
from beacon.cli.core import console, fail, user_app
from beacon.clock import SystemClock
from beacon.config import Settings
from beacon.cases.teams import TeamError, set_home_team
from beacon.staff.accounts import COMMAND_LINE, AccountError, reset_second_factor, set_active, set_email
from beacon.staff.sessions import SessionRules
from beacon.staff.user_admin import list_users
from beacon.store.forces import ForceError, force_by_slug
from beacon.store.tables import User

T = TypeVar("T")


def _in_transaction(work: Callable[[Session], T]) -> T:
    store = bootstrap_store(Settings())
    try:
        with store.session_factory.begin() as session:
            return work(session)
    except AccountError as error:
        raise fail(str(error)) from None


@user_app.command("list")
def user_list(force: Annotated[str | None, typer.Option(help="force slug (default: BEACON_DEFAULT_FORCE)")] = None
              ) -> None:
    """The force's users: role, team, state, second factor, open sessions."""
    settings = Settings()
    rules = SessionRules.of(settings.session_idle_minutes, settings.session_lifetime_hours)

    def rows(session: Session) -> list[str]:
        try:
            force_id = force_by_slug(session, force or settings.default_force).id
        except ForceError as error:
            raise AccountError(str(error)) from None
        return [f"{u.username}\t{u.role}\t{u.team or '-'}\t{'active' if u.active else 'deactivated'}\t"
                f"2fa={'yes' if u.second_factor else 'no'}\tsessions={u.open_sessions}\t{u.email or ''}"
                for u in list_users(session, force_id, SystemClock().now(), rules)]

    for line in _in_transaction(rows):
        typer.echo(line)


@user_app.command("email")
def user_email(username: str, address: Annotated[str, typer.Argument(help="work address; '' removes it")]) -> None:
    """Set the address a first OIDC sign-in finds the account by."""
    _in_transaction(lambda s: set_email(s, username, address or None, SystemClock().now()))
    console.print(f"email of {username} {'set' if address else 'removed'}")


@user_app.command("team")
def user_team(username: str, team: Annotated[str, typer.Argument(help="a team of the user's force; '' removes it")]
              ) -> None:
    """Set a user's home team (their queue; it counts as membership of that team). Cases they
    hold and may no longer see go back to their queue."""

    def change(session: Session) -> None:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AccountError(f"no user {username!r}")
        try:
            set_home_team(session, user.force_id, username, team.strip() or None, COMMAND_LINE, SystemClock().now())
        except TeamError as error:
            raise AccountError(str(error)) from None

    _in_transaction(change)
    console.print(f"home team of {username} {'set to ' + team.strip() if team.strip() else 'removed'}")


@user_app.command("deactivate")
def user_deactivate(username: str) -> None:
    """Stop a user signing in by any means; every session they have open ends."""
    _in_transaction(lambda s: set_active(s, username, False, SystemClock().now()))
    console.print(f"{username} is deactivated; their sessions are ended")


@user_app.command("reactivate")
def user_reactivate(username: str) -> None:
    """Let a deactivated user sign in again."""
    _in_transaction(lambda s: set_active(s, username, True, SystemClock().now()))
    console.print(f"{username} is active again")


@user_app.command("totp-reset")
def user_totp_reset(username: str) -> None:
    """Remove a user's second factor (lost phone, no recovery codes); sessions end, and a role
    that needs one enrols anew at the next sign-in (or use `beacon user totp` now)."""
    removed = _in_transaction(lambda s: reset_second_factor(s, username, SystemClock().now()))
    console.print(f"second factor of {username} {'removed' if removed else 'was not set up'}; their sessions are ended")
