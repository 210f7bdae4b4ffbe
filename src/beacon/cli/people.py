"""`beacon people merge|unmerge|show`: persons from the command line, for admins.

Thin: the rules (basis from the configured list, a reason, force scoping, undo) are the same as
the web's, in beacon.people. `--as` names the admin or supervisor who does it, for the audit log;
their force scopes every id (another force's person is "not found").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.log import Actor
from beacon.bootstrap import bootstrap_store
from beacon.cases.access import force_wide
from beacon.cases.audit_events import record_reads
from beacon.cli import app
from beacon.cli.core import fail
from beacon.clock import SystemClock
from beacon.config import Settings
from beacon.people.errors import NotFound, Refused
from beacon.people.merges import merge_persons, unmerge
from beacon.people.roles import may_merge
from beacon.people.settings import load_people_settings
from beacon.people.view import person_view
from beacon.store.tables import User

people_app = typer.Typer(help="Persons: merge, unmerge, show.", no_args_is_help=True)
app.add_typer(people_app, name="people")
out = Console(soft_wrap=True)
T = TypeVar("T")
As = Annotated[str, typer.Option("--as", help="username of the admin or supervisor doing it (audited)")]
Reason = Annotated[str, typer.Option(help="why (recorded in the audit log)")]


def _actor(session: Session, username: str) -> tuple[Actor, int]:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise fail(f"no active user {username!r}")
    if not may_merge(user.role):  # the same rule as the pages and the API (beacon.people.roles)
        raise fail(f"{username} is a {user.role}: merging from the command line needs an admin or supervisor")
    return Actor("user", user.id, user.display_name), user.force_id


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except NotFound as error:
        raise fail(f"not found: {error}") from None
    except Refused as error:
        raise fail(str(error)) from None


@people_app.command("merge")
def merge(
    survivor: int, absorbed: int, username: As, reason: Reason,
    basis: Annotated[str, typer.Option(help="consent or a lawful reason from the people settings")],
) -> None:
    """Merge person ABSORBED into SURVIVOR (identities, cases and markers move; undoable)."""
    settings = Settings()
    store = bootstrap_store(settings)
    with store.session_factory.begin() as session:
        actor, force_id = _actor(session, username)
        merge_row = _run(lambda: merge_persons(
            session, force_id, survivor, absorbed, actor=actor, basis=basis, reason=reason,
            now=_now(), people=load_people_settings(settings.people_path)))
        out.print(f"merge {merge_row.id}: person {absorbed} into {survivor} "
                  f"({len(merge_row.identity_ids)} identities, {len(merge_row.case_ids)} cases moved)")


@people_app.command("unmerge")
def unmerge_command(merge_id: int, username: As, reason: Reason) -> None:
    """Undo merge MERGE_ID: what moved goes back."""
    store = bootstrap_store(Settings())
    with store.session_factory.begin() as session:
        actor, force_id = _actor(session, username)
        row = _run(lambda: unmerge(session, force_id, merge_id, actor=actor, reason=reason, now=_now()))
        out.print(f"merge {row.id} undone: person {row.absorbed_id} has its identities back")


@people_app.command("show")
def show(person_id: int, username: As) -> None:
    """A person's identities, cases, markers and merges (the read is audited)."""
    store = bootstrap_store(Settings())
    with store.read_session_factory() as session:
        actor, force_id = _actor(session, username)
        view = person_view(session, force_wide(force_id), person_id)  # supervisors see every team
        if view is None:
            raise fail(f"not found: person {person_id}")
        record_reads(store.session_factory, actor, force_id, _now(), [("person", person_id)], "person (CLI)")
        out.print(f"person {view.person.id}: {view.person.display_name or 'unnamed'}")
        for identity in view.identities:
            out.print(f"  identity {identity.channel}: {identity.handle or identity.external_id}")
        for case in view.open_cases + view.past_cases:
            out.print(f"  case {case.reference} {case.priority} {case.status}: {case.title}")
        for marker in view.markers:
            out.print(f"  marker {marker.kind}: {marker.value} ({marker.reason})")
        for merge_row in view.merges:
            state = f"undone {merge_row.undone_at:%Y-%m-%d %H:%M}" if merge_row.undone_at else "in force"
            out.print(f"  merge {merge_row.id}: {merge_row.absorbed_id} into {merge_row.survivor_id}, "
                      f"{merge_row.basis}, {state}")
        out.print(f"  {len(view.timeline)} messages, {len(view.flags)} repeat-contact flags")


def _now() -> datetime:
    return SystemClock().now()
