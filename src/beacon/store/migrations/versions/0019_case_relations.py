"""Add case relations and case merges: links between cases, a case's parent, merges of cases

Deploying: adds two tables only; safe while Beacon runs. No case relates to another until a
handler links, parents or a supervisor merges one.

Revision ID: 0019
Revises: 0018 (deduplicate dead letters)
"""

from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_name", sa.String(length=200), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["other_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["by_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_relations_case", "case_relations", ["case_id", "ended_at"])
    op.create_index("ix_case_relations_other", "case_relations", ["other_id", "ended_at"])
    op.create_table(
        "case_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.Column("quoted_ids", sa.JSON(), nullable=False),
        sa.Column("incident_ids", sa.JSON(), nullable=False),
        sa.Column("relations_ended", sa.JSON(), nullable=False),
        sa.Column("relations_made", sa.JSON(), nullable=False),
        sa.Column("merged_status", sa.String(length=20), nullable=False),
        sa.Column("merged_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survivor_priority", sa.String(length=2), nullable=False),
        sa.Column("survivor_vulnerable", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_name", sa.String(length=200), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.ForeignKeyConstraint(["survivor_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["merged_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["by_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_merges_survivor_id", "case_merges", ["survivor_id"])
    op.create_index("ix_case_merges_merged_id", "case_merges", ["merged_id"])


def downgrade() -> None:
    op.drop_index("ix_case_merges_merged_id", table_name="case_merges")
    op.drop_index("ix_case_merges_survivor_id", table_name="case_merges")
    op.drop_table("case_merges")
    op.drop_index("ix_case_relations_other", table_name="case_relations")
    op.drop_index("ix_case_relations_case", table_name="case_relations")
    op.drop_table("case_relations")
