"""Who may hand a case on and who may take data off the system: one rule for the pages, the
JSON API and the command line (as beacon.people.roles is for merges).

- Anyone may take a case they can see, and release one they hold.
- A handler may reassign a case of their own team to another member of that team, and move a
  case out of their own team into a team that is open, or restricted but theirs. A supervisor or
  admin may reassign any case of the force to anyone and move it into any team of the force.
- Whoever asks, a case never goes to someone who could not see it: a restricted team's case is
  reassigned only to the team's members, supervisors and admins.
- Exports: the desk's lists as CSV (inbox, incidents, control room tables) for every role, each
  narrowed to what the exporter may see; a handover pack for a handler's own team; a case's or
  person's whole trail (the person bundle) for supervisors and admins only.
- Cases that relate (beacon.cases.relations, beacon.cases.case_merges): anyone who may see both
  cases may link and unlink them and set or detach a parent, since that only points one at the
  other. Merging moves citizens' messages from one case into another and closes it, so merging
  and unmerging are a supervisor's or an admin's, as merging persons is (beacon.people.roles).
"""

from __future__ import annotations

from enum import StrEnum

from beacon.cases.access import SEEING_EVERY_TEAM, Access
from beacon.store.tables import Case, Team


class CaseForbidden(PermissionError):
    """The user's role or team does not allow it; the message says whose it is."""


class Export(StrEnum):
    LIST_CSV = "list_csv"  # inbox, incidents, control-room tables
    HANDOVER_PACK = "handover_pack"
    TRAIL = "trail"  # a case's or a person's audit trail, on screen or as CSV (the person bundle)


def _in_charge(access: Access) -> bool:
    return access.role in SEEING_EVERY_TEAM


def may_reassign(access: Access, case: Case) -> bool:
    return _in_charge(access) or case.team_id is None or case.team_id in access.teams


def check_may_reassign(access: Access, case: Case, target: Access) -> None:
    if not may_reassign(access, case):
        raise CaseForbidden(f"a {access.role} reassigns only their own team's cases: ask a supervisor")
    if not target.sees_case(case):
        raise CaseForbidden("that colleague is not in the restricted team that holds this case")
    if not _in_charge(access) and case.team_id is not None and case.team_id not in target.teams \
            and target.role not in SEEING_EVERY_TEAM:
        raise CaseForbidden(f"a {access.role} reassigns only within their own team: ask a supervisor")


def may_move_team(access: Access, case: Case) -> bool:
    return may_reassign(access, case)


def check_may_move_team(access: Access, case: Case, team: Team) -> None:
    if team.force_id != access.force_id:
        raise CaseForbidden("that team is another force's")
    if _in_charge(access):
        return
    if not may_move_team(access, case):
        raise CaseForbidden(f"a {access.role} moves only their own team's cases: ask a supervisor")
    if team.restricted and team.id not in access.teams:
        raise CaseForbidden(f"a {access.role} cannot move a case into a restricted team they are not in")


def may_export(access: Access, kind: Export, team_id: int | None = None) -> bool:
    if _in_charge(access) or kind is Export.LIST_CSV:
        return True
    if kind is Export.HANDOVER_PACK:
        return team_id is not None and team_id in access.teams
    return False


def check_may_export(access: Access, kind: Export, team_id: int | None = None) -> None:
    if not may_export(access, kind, team_id):
        what = {Export.HANDOVER_PACK: "a handover pack of another team's cases",
                Export.TRAIL: "a case's or person's whole trail"}.get(kind, kind.value)
        raise CaseForbidden(f"a {access.role} cannot export {what}: that is for a supervisor or admin")


def may_merge_cases(access: Access) -> bool:
    return _in_charge(access)


def check_may_merge_cases(access: Access) -> None:
    if not may_merge_cases(access):
        raise CaseForbidden(f"a {access.role} cannot merge or unmerge cases: that is for a supervisor or admin")
