"""Whose figures the control room shows: one scope, decided once for every figure, CSV and
report, so no page narrows (or forgets to narrow) its own.

Two views of one viewer:
- `named`: the cases a screen names (the oldest unacknowledged P1/P2s) are always only those
  the viewer may see; a restricted team's reference and title never reach an outsider.
- `counted`: what the counts take in. By default the whole force's (every role sees the same
  totals); when the force hides restricted teams from figures (`forces.hide_restricted_in_figures`)
  the viewer's own view, so an outsider cannot read from the totals how many safeguarding
  contacts came in tonight. Supervisors and admins, and a team's members, see every case they
  may open either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from beacon.cases.access import Access, counted_access, force_wide


@dataclass(frozen=True)
class FigureScope:
    named: Access
    counted: Access

    @property
    def force_id(self) -> int:
        return self.named.force_id


def figure_scope(session: Session, access: Access) -> FigureScope:
    """The scope of a person's figures, with the force's rule applied."""
    return FigureScope(access, counted_access(session, access))


def whole_force(force_id: int) -> FigureScope:
    """Every case of the force, named and counted: the system's own view (benches, tests)."""
    return FigureScope(force_wide(force_id), force_wide(force_id))
