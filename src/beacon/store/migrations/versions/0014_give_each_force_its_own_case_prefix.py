"""Give each force its own case prefix; case references unique per force; API tokens

Deploying: safe while Beacon is stopped or idle (on SQLite the cases table is copied, a few
seconds per million cases; on PostgreSQL two constraints change, a brief lock on cases). Every
force used to get the prefix BC and references were unique across the database, so a second
force's first case failed and its messages ended `failed`. A force that shares a prefix with an
older force gets one made from its slug here; existing references are not renamed.

It also adds `api_tokens`. Once deployed, `POST /api/v1/messages` and `/metrics` need a token:
issue one per integration (`beacon token add`) before upgrading the senders' Beacon.

Revision ID: 0014
Revises: 0013 (index a person's messages by time)
"""

import re
import string

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# SQLite keeps the old unique constraint on cases.reference unnamed; this names it for the drop.
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    _create_api_tokens()
    _make_prefixes_unique()
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("forces") as batch_op:
        batch_op.create_unique_constraint("uq_forces_case_prefix", ["case_prefix"])
    # On SQLite the cases table is copied; env.py runs migrations with foreign keys checked at the end.
    with op.batch_alter_table("cases", naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint("uq_cases_reference" if sqlite else "cases_reference_key", type_="unique")
        batch_op.create_unique_constraint("uq_cases_force_reference", ["force_id", "reference"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_force_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_constraint("uq_cases_force_reference", type_="unique")
        batch_op.create_unique_constraint("cases_reference_key", ["reference"])
    with op.batch_alter_table("forces") as batch_op:
        batch_op.drop_constraint("uq_forces_case_prefix", type_="unique")


def _make_prefixes_unique() -> None:
    """The oldest force keeps its prefix; a later one sharing it gets one from its slug."""
    bind = op.get_bind()
    taken: set[str] = set()
    for force_id, slug, prefix in bind.execute(sa.text("SELECT id, slug, case_prefix FROM forces ORDER BY id")):
        if prefix not in taken:
            taken.add(prefix)
            continue
        new = _free_prefix(slug, taken)
        bind.execute(sa.text("UPDATE forces SET case_prefix = :p WHERE id = :i"), {"p": new, "i": force_id})
        taken.add(new)


def _free_prefix(slug: str, taken: set[str]) -> str:
    letters = re.sub("[^A-Z]", "", slug.upper())[:6]
    base = letters if len(letters) >= 2 else (letters + "FF")[:2]
    suffixes = ["", *string.ascii_uppercase, *(a + b for a in string.ascii_uppercase for b in string.ascii_uppercase)]
    return next(base + suffix for suffix in suffixes if base + suffix not in taken)


def _create_api_tokens() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("channel_accounts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id"),
    )
    op.create_index("ix_api_tokens_force_id", "api_tokens", ["force_id"])
