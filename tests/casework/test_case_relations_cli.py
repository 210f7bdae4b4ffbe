"""`beacon case link|unlink|parent|merge|unmerge`: the same rules as the pages and the API, a clear
message and exit code 2 for anything refused, and nothing written when refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.staff.accounts import Role
from beacon.store.tables import Case
from beacon.store.tables_relations import CaseMerge, CaseRelation
from tests.casework.casework_builders import case_from, staff
from tests.test_restricted_teams import restrict_safeguarding, safeguarding_case

runner = CliRunner()


@pytest.fixture
def env(beacon: Beacon, tmp_path: Path) -> dict[str, str]:
    _register()
    staff(beacon, "hal")
    staff(beacon, "sue", Role.SUPERVISOR)
    return {"BEACON_DATABASE_URL": beacon.settings.database_url, "BEACON_VAR_DIR": str(beacon.settings.var_dir)}


def _refs(beacon: Beacon, *case_ids: int) -> list[str]:
    with beacon.read_session_factory() as session:
        return [session.get_one(Case, i).reference for i in case_ids]


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["case", *args], env=env)
    return result.exit_code, " ".join(result.output.split())


def _cases(beacon: Beacon) -> tuple[list[int], list[str]]:
    ids = [case_from(beacon, text, author={"id": f"+44770090050{n}"}) for n, text in enumerate(
        ["Someone smashed my car window", "My bike was stolen", "Tools stolen from my shed"])]
    return ids, _refs(beacon, *ids)


def test_link_parent_merge_and_their_undoing_from_the_command_line(beacon: Beacon, env: dict[str, str]) -> None:
    _, (a, b, c) = _cases(beacon)
    assert _run(env, "link", a, b, "--as", "hal", "--reason", "same van") == (0, f"{a} and {b} are linked")
    assert _run(env, "unlink", b, a, "--as", "hal", "--reason", "other van") == (0, f"{b} and {a} are no longer linked")
    assert _run(env, "parent", c, a, "--as", "hal", "--reason", "one job") == (0, f"{c} is under {a}")
    assert _run(env, "parent", c, "--detach", "--as", "hal", "--reason", "two jobs") == (0, f"{c} has no parent now")
    code, said = _run(env, "merge", b, "--into", a, "--as", "sue", "--reason", "the same bike")
    assert code == 0 and f"{b} merged into {a} (1 messages" in said and f"beacon case unmerge {b}" in said
    code, said = _run(env, "unmerge", b, "--as", "sue", "--reason", "two bikes")
    assert code == 0 and f"{b} is unmerged: 1 messages back, status new" in said
    with beacon.read_session_factory() as session:
        assert session.scalar(select(func.count(CaseRelation.id)).where(CaseRelation.ended_at.is_(None))) == 0
        assert session.scalars(select(CaseMerge)).one().undone_at is not None


def test_bad_input_is_a_clear_error_and_a_non_zero_exit(beacon: Beacon, env: dict[str, str]) -> None:
    restrict_safeguarding(beacon)
    _, (a, b, _c) = _cases(beacon)
    [hidden] = _refs(beacon, safeguarding_case(beacon, author={"id": "+447700900509"}))
    refusals = {
        ("link", a, a, "--as", "hal", "--reason", "x"): "a case cannot be linked to itself",
        ("link", a, "BC-990101-0001", "--as", "hal", "--reason", "x"): "not found: case BC-990101-0001",
        ("link", a, hidden, "--as", "hal", "--reason", "x"): f"not found: case {hidden}",
        ("link", a, b, "--as", "hal", "--reason", " "): "say why these cases are related",
        ("link", a, b, "--as", "nobody", "--reason", "x"): "no active user 'nobody'",
        ("unlink", a, b, "--as", "hal", "--reason", "x"): f"{a} and {b} are not linked",
        ("parent", a, "--as", "hal", "--reason", "x"): "give a PARENT reference, or --detach (not both)",
        ("parent", a, b, "--detach", "--as", "hal", "--reason", "x"): "give a PARENT reference, or --detach",
        ("parent", a, "--detach", "--as", "hal", "--reason", "x"): f"{a} has no parent",
        ("merge", a, "--into", b, "--as", "hal", "--reason", "x"): "not allowed: a handler cannot merge",
        ("merge", a, "--into", hidden, "--as", "sue", "--reason", "x"): "restricted team's case merges only",
        ("unmerge", a, "--as", "sue", "--reason", "x"): f"{a} is not merged into another case",
    }
    for args, message in refusals.items():
        code, said = _run(env, *args)
        assert code == 2 and message in said, (args, said)
    with beacon.read_session_factory() as session:
        assert session.scalar(select(func.count(CaseRelation.id))) == 0
        assert session.scalar(select(func.count(CaseMerge.id))) == 0
