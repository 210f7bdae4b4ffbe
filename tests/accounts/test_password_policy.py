"""Known-weak passwords are refused, by the rules and by the command line; good ones pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from beacon.cli import _register, app
from beacon.staff.password_policy import WeakPassword, check_password, common_passwords

runner = CliRunner()

REFUSED = {
    "short": "at least 12 characters",
    "aaaaaaaaaaaaaaaa": "too few different characters",
    "abababababab": "too few different characters",
    "abcdefghijklmnop": "simple sequence",
    "1234567890123": "simple sequence",
    "0987654321098": "simple sequence",
    "qwertyuiopasdf": "simple sequence",
    "zyxwvutsrqpo": "simple sequence",
    "Abcdefgh2026!": "simple sequence",
    "Password123!": "common passwords",
    "P@ssw0rd2026": "common passwords",
    "Liverpool2026!": "common passwords",
    "correct-horse-battery-staple": "common passwords",
    "Constable 1999": "common passwords",
    "iloveyou1234": "common passwords",
    "Summer2026!!": "common passwords",
    "annwilliams2026": "user name",
    "My name is ANN W": "user name",
}
ACCEPTED = ["correct horse battery", "night shift 2026", "kettle-orbit-gravel-51", "839201748392",
            "T7#qv9!Lm2@x"]


@pytest.mark.parametrize("password", sorted(REFUSED))
def test_weak_passwords_are_refused_with_the_reason(password: str) -> None:
    with pytest.raises(WeakPassword, match=REFUSED[password]):
        check_password(password, "ann")


@pytest.mark.parametrize("password", ACCEPTED)
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password, "ann")


def test_the_user_name_rule_ignores_names_too_short_to_mean_anything() -> None:
    check_password("kettle-orbit-gravel-51", "ke")


def test_the_shipped_list_is_in_the_package_and_large() -> None:
    listed = common_passwords()
    assert len(listed) > 2000 and {"password", "qwerty", "liverpool", "police"} <= listed


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    _register()
    env = {"BEACON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "BEACON_VAR_DIR": str(tmp_path)}
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    return env


def test_user_add_refuses_a_common_password(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["user", "add", "ann", "--password", "Password2026!"], env=env)
    assert result.exit_code == 2 and "common passwords" in result.output


def test_a_password_change_is_checked_too(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["user", "add", "ann", "--password", "kettle-orbit-gravel-51"], env=env).exit_code == 0
    weak = runner.invoke(app, ["user", "password", "ann", "--password", "ann-ann-ann-2026"], env=env)
    assert weak.exit_code == 2 and "user name" in weak.output
    good = runner.invoke(app, ["user", "password", "ann", "--password", "river-lantern-quiet-88"], env=env)
    assert good.exit_code == 0, good.output
    missing = runner.invoke(app, ["user", "password", "bob", "--password", "river-lantern-quiet-88"], env=env)
    assert missing.exit_code == 2 and "no user 'bob'" in missing.output
