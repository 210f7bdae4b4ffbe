"""`beacon case link|unlink|parent|merge|unmerge`: cases that relate, from the command line.

Thin: the rules are beacon.cases.relations and beacon.cases.case_merges, the same as the pages'
and the API's. `--as` names who does it, for the audit log; their force and the teams they may
see scope every reference (another force's or a hidden case is "not found").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from beacon.audit.log import Actor
from beacon.bootstrap import bootstrap_store
from beacon.cases.access import Access, Hidden, access_of
from beacon.cases.case_merges import merge_cases, unmerge_case
from beacon.cases.relations import RelationRefused, detach, find_case, link_cases, set_parent, unlink_cases
from beacon.cases.roles import CaseForbidden
from beacon.cli.core import fail
from beacon.cli.teams import As, Reason, _user, case_app, out
from beacon.clock import SystemClock
from beacon.config import Settings
from beacon.store.tables import Case

Change = Callable[[Session, Access, Actor, Callable[[str], Case]], str]


def _change(username: str, change: Change) -> None:
    """One transaction: who, the wall they see through, and the change; any refusal is a clear
    message and exit code 2, and nothing is written."""
    try:
        with bootstrap_store(Settings()).session_factory.begin() as session:
            user = _user(session, username)
            access = access_of(session, user)
            actor = Actor("user", user.id, user.display_name)
            out.print(change(session, access, actor, lambda ref: find_case(session, access, reference=ref)))
    except Hidden as hidden:
        raise fail(f"not found: case {hidden.ident}") from None
    except RelationRefused as refused:
        raise fail(refused.detail) from None
    except CaseForbidden as error:
        raise fail(f"not allowed: {error}") from None


def _now() -> datetime:
    return SystemClock().now()


@case_app.command("link")
def case_link(reference: str, other: str, username: As, reason: Reason) -> None:
    """Link case REFERENCE with case OTHER (related, both ways)."""
    def change(session: Session, access: Access, actor: Actor, case: Callable[[str], Case]) -> str:
        a, b = case(reference), case(other)
        link_cases(session, a, b, actor, reason, _now())
        return f"{a.reference} and {b.reference} are linked"
    _change(username, change)


@case_app.command("unlink")
def case_unlink(reference: str, other: str, username: As, reason: Reason) -> None:
    """End the link between case REFERENCE and case OTHER."""
    def change(session: Session, access: Access, actor: Actor, case: Callable[[str], Case]) -> str:
        a, b = case(reference), case(other)
        unlink_cases(session, a, b, actor, reason, _now())
        return f"{a.reference} and {b.reference} are no longer linked"
    _change(username, change)


@case_app.command("parent")
def case_parent(
    reference: str, username: As, reason: Reason,
    parent: Annotated[str | None, typer.Argument(help="the parent case's reference")] = None,
    detach_it: Annotated[bool, typer.Option("--detach", help="take REFERENCE out from under its parent")] = False,
) -> None:
    """Put case REFERENCE under case PARENT, or take it out with --detach."""
    if (parent is None) == (not detach_it):
        raise fail("give a PARENT reference, or --detach (not both)")

    def change(session: Session, access: Access, actor: Actor, case: Callable[[str], Case]) -> str:
        child = case(reference)
        if detach_it:
            detach(session, child, actor, reason, _now())
            return f"{child.reference} has no parent now"
        above = case(str(parent))
        set_parent(session, child, above, actor, reason, _now())
        return f"{child.reference} is under {above.reference}"
    _change(username, change)


@case_app.command("merge")
def case_merge(reference: str, into: Annotated[str, typer.Option("--into", help="the case that goes on")],
               username: As, reason: Reason) -> None:
    """Merge case REFERENCE into case INTO (supervisors and admins; undone with `case unmerge`)."""
    def change(session: Session, access: Access, actor: Actor, case: Callable[[str], Case]) -> str:
        merged, survivor = case(reference), case(into)
        merge = merge_cases(session, access, merged, survivor, actor, reason, _now())
        return (f"{merged.reference} merged into {survivor.reference} ({len(merge.message_ids)} messages, "
                f"{len(merge.entry_ids)} timeline entries moved); undo with: beacon case unmerge {merged.reference}")
    _change(username, change)


@case_app.command("unmerge")
def case_unmerge(reference: str, username: As, reason: Reason) -> None:
    """Undo the merge of case REFERENCE: what moved goes back, and its status before."""
    def change(session: Session, access: Access, actor: Actor, case: Callable[[str], Case]) -> str:
        merged = case(reference)
        merge = unmerge_case(session, access, merged, actor, reason, _now())
        return f"{merged.reference} is unmerged: {len(merge.message_ids)} messages back, status {merged.status}"
    _change(username, change)
