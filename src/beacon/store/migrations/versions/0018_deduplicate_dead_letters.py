"""One dead letter per bad body: the body's SHA-256 (unique per source), a count of the copies
received and when the last one came

A provider retrying a body Beacon cannot read (or twenty concurrent copies of it) used to add a
row each; the unique (source, body_sha256) makes every copy after the first an upsert that
counts it instead.

Deploying: adds three columns and a unique index; safe while Beacon runs. Rows already stored
keep an empty digest (NULLs never collide in a unique index) and count as one copy each, so
duplicates kept before the upgrade stay as they were.

Revision ID: 0018
Revises: 0017 (restricted teams)
"""

from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("copies", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ux_dead_letters_source_body", "dead_letters", ["source", "body_sha256"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ux_dead_letters_source_body", table_name="dead_letters")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("copies")
        batch.drop_column("body_sha256")
