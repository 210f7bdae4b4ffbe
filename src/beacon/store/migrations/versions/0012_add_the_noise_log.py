"""Add the noise log: the ordered steps every process's noise tracker replays

Deploying: adds a table only. Stop the pipeline (`beacon serve` in the embedded mode, every
`beacon worker` in the distributed mode) while it runs: a process started before it cannot
write the log, and its decisions would not reach the others.

Revision ID: 0012
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "noise_log",
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("force_id", "seq"),
    )
    with op.batch_alter_table("noise_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_noise_log_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("noise_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_noise_log_at"))
    op.drop_table("noise_log")
