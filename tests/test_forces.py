"""Many forces: each has its own case prefix and counts its own references (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli import _register, app
from beacon.store.db import make_engine
from beacon.store.forces import ForceError, add_channel_account, create_force, force_by_slug
from beacon.store.migrate import upgrade
from beacon.store.tables import Case
from tests.people.people_builders import send

NORTH_SMS = "+447700900999"


def _north(beacon: Beacon) -> int:
    with beacon.session_factory.begin() as session:
        force = create_force(session, "north", "North Force", "nf")
        add_channel_account(session, force.id, "sms", NORTH_SMS)
        force_id = force.id
    beacon.forces.reload()
    return force_id


def test_two_forces_each_open_their_own_cases(any_beacon: Beacon) -> None:
    north = _north(any_beacon)
    ours = send(any_beacon, author={"id": "+447700900501"}, text="He has a knife")
    theirs = send(any_beacon, channel_account=NORTH_SMS, author={"id": "+447700900502"}, text="He has a knife")
    again = send(any_beacon, channel_account=NORTH_SMS, author={"id": "+447700900503"}, text="He has a knife too")
    assert theirs.force_id == north and ours.force_id != north
    assert [m.state for m in (ours, theirs, again)] == ["processed"] * 3
    with any_beacon.read_session_factory() as session:
        references = dict(session.execute(select(Case.force_id, Case.reference).order_by(Case.id)).all())
        north_refs = session.scalars(select(Case.reference).where(Case.force_id == north).order_by(Case.id)).all()
    assert references[ours.force_id] == "BC-261128-0001"
    assert north_refs == ["NF-261128-0001", "NF-261128-0002"]


def test_a_reference_is_unique_per_force_not_across_forces(any_beacon: Beacon) -> None:
    north = _north(any_beacon)
    now = any_beacon.clock.now()

    def case(force_id: int) -> Case:
        return Case(force_id=force_id, reference="XX-261128-0001", title="t", priority="P3",
                    created_at=now, first_contact_at=now, updated_at=now)

    with any_beacon.session_factory.begin() as session:
        default = force_by_slug(session, any_beacon.settings.default_force).id
        session.add_all([case(default), case(north)])
    with pytest.raises(IntegrityError), any_beacon.session_factory.begin() as session:
        session.add(case(north))


def test_a_case_prefix_is_a_forces_own(any_beacon: Beacon) -> None:
    with any_beacon.session_factory.begin() as session:
        with pytest.raises(ForceError, match="already force 'demo'"):
            create_force(session, "north", "North", "bc")
        with pytest.raises(ForceError, match="2 to 8 letters"):
            create_force(session, "north", "North", "N1")
        with pytest.raises(ForceError, match="already exists"):
            create_force(session, "demo", "Demo again", "DM")
        create_force(session, "north", "North", "NF")


def test_a_channel_account_belongs_to_one_force(any_beacon: Beacon) -> None:
    _north(any_beacon)
    with any_beacon.session_factory.begin() as session:
        default = force_by_slug(session, "demo").id
        with pytest.raises(ForceError, match="belongs to force 'north'"):
            add_channel_account(session, default, "sms", NORTH_SMS)


def test_the_migration_gives_forces_sharing_bc_their_own_prefixes(database_url: str) -> None:
    """A database from before 0014: two forces on BC, a case and a message pointing at it."""
    engine = make_engine(database_url)
    upgrade(engine, "0013")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO forces (id, slug, name, case_prefix) VALUES "
                          "(1, 'demo', 'Demo', 'BC'), (2, 'north-wales', 'North Wales', 'BC')"))
        conn.execute(text("INSERT INTO cases (id, force_id, reference, title, status, priority, vulnerable, "
                          "created_at, first_contact_at, updated_at) VALUES (1, 1, 'BC-261128-0001', 't', "
                          "'new', 'P3', false, '2026-11-28', '2026-11-28', '2026-11-28')"))
        conn.execute(text("INSERT INTO messages (id, force_id, direction, channel, channel_account, "
                          "provider_message_id, author_id, text, media, categories, created_at, received_at, "
                          "state, share_count, case_id) VALUES (1, 1, 'in', 'sms', 'a', 'p', 'x', 'hi', '[]', "
                          "'[]', '2026-11-28', '2026-11-28', 'processed', 0, 1)"))
    upgrade(engine)
    with engine.connect() as conn:
        prefixes = conn.execute(text("SELECT slug, case_prefix FROM forces ORDER BY id")).all()
        linked = conn.execute(text("SELECT case_id FROM messages")).scalar()
    engine.dispose()
    assert prefixes == [("demo", "BC"), ("north-wales", "NORTHW")]
    assert linked == 1


runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    _register()
    return {"BEACON_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "BEACON_VAR_DIR": str(tmp_path)}


def test_force_commands_add_list_and_map_accounts(env: dict[str, str]) -> None:
    added = runner.invoke(app, ["force", "add", "north", "--prefix", "NF", "--name", "North Force"], env=env)
    assert added.exit_code == 0, added.output
    assert "NF-YYMMDD-NNNN" in added.output
    mapped = runner.invoke(app, ["force", "account-add", "north", "sms", NORTH_SMS], env=env)
    assert mapped.exit_code == 0, mapped.output
    listed = runner.invoke(app, ["force", "list"], env=env)
    assert "North Force" in listed.output and "NF" in listed.output and "BC" in listed.output
    assert NORTH_SMS in runner.invoke(app, ["force", "accounts", "north"], env=env).output
    taken = runner.invoke(app, ["force", "account-add", "demo", "sms", NORTH_SMS], env=env)
    assert taken.exit_code == 2 and "belongs to force 'north'" in taken.output
    clash = runner.invoke(app, ["force", "add", "south", "--prefix", "NF"], env=env)
    assert clash.exit_code == 2 and "already force 'north'" in clash.output
    removed = runner.invoke(app, ["force", "account-remove", "north", "sms", NORTH_SMS], env=env)
    assert removed.exit_code == 0 and NORTH_SMS not in runner.invoke(app, ["force", "accounts", "north"], env=env).output



def test_a_sqlite_migration_leaving_rows_that_point_at_nothing_is_rolled_back(sqlite_url: str) -> None:
    """Foreign keys are off while SQLite migrates (a table copy needs it), so they are checked after."""
    engine = make_engine(sqlite_url)
    upgrade(engine, "0013")
    raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))  # foreign keys off: the row goes in
    raw.execute("INSERT INTO forces (id, slug, name, case_prefix) VALUES (1, 'demo', 'Demo', 'BC')")
    raw.execute("INSERT INTO case_entries (id, case_id, kind, body, created_at) VALUES (1, 99, 'note', '', '2026-11-28')")
    raw.commit()
    raw.close()
    with pytest.raises(RuntimeError, match="pointing at nothing"):
        upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM forces WHERE case_prefix = 'BC'")).scalar() == 1
        assert "api_tokens" not in {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    engine.dispose()
