"""Add case dispositions: a handler's close, share, monitor or keep-as-case decision on a case

Deploying: adds one table only; safe while Beacon runs. Cases stored before it have no
disposition rows: the case page shows the pipeline's routing reasons until a handler decides.

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("beat", sa.String(length=64), nullable=True),
        sa.Column("need", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_dispositions_case_id", "case_dispositions", ["case_id"])
    op.create_index("ix_case_dispositions_figures", "case_dispositions", ["force_id", "outcome", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_case_dispositions_figures", table_name="case_dispositions")
    op.drop_index("ix_case_dispositions_case_id", table_name="case_dispositions")
    op.drop_table("case_dispositions")
