"""Who may merge persons: one rule for the pages, the JSON API and the command line.

A merge by hand joins two citizens' identities, cases and markers on one person's word, so it
and its undoing are a supervisor's or an admin's. A handler may still confirm a candidate
Beacon proposed, which carries its evidence (a shared phone number or address) and a basis.
"""

from __future__ import annotations

from beacon.people.errors import Forbidden

MERGING_ROLES = frozenset({"supervisor", "admin"})


def may_merge(role: str) -> bool:
    return role in MERGING_ROLES


def check_may_merge(role: str) -> None:
    if not may_merge(role):
        raise Forbidden(f"a {role} cannot merge or unmerge persons by hand: that is for a supervisor or admin")
