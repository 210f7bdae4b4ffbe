"""Teams a force restricts (a safeguarding team's cases seen only by its members and
supervisors), and who is a member of which team beyond their home team

Deploying: adds a column with a default and a table; safe while Beacon runs. No team is
restricted until `beacon team restrict` says so, so nothing anyone sees changes on upgrade.

Revision ID: 0017
Revises: 0016 (OIDC links and sealed TOTP secrets)
"""

from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("restricted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_index("ix_team_members_user_id", "team_members", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_team_members_user_id", table_name="team_members")
    op.drop_table("team_members")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("restricted")
