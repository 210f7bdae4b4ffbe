"""Add pipeline attempts (distributed mode's bounded retries)

Deploying: adds a table only; safe while Beacon runs. Workers started before it fail their first
retry until it exists, so migrate before starting `beacon worker` processes.

Revision ID: 0006
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0003"
branch_labels = ("scale",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipeline_attempts",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )


def downgrade() -> None:
    op.drop_table("pipeline_attempts")
