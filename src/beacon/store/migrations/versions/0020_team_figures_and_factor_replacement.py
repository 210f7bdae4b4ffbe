"""Whether a force hides restricted teams' cases from the figures of those outside them, and
room for a second factor being replaced by its user

Deploying: adds a column with a default and two nullable columns; safe while Beacon runs. No
force hides anything until an admin says so (`beacon team figures --hide`, `/admin/teams`),
so no figure anyone sees changes on upgrade.

Revision ID: 0020
Revises: 0019 (case relations)
"""

from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("forces") as batch:
        batch.add_column(sa.Column("hide_restricted_in_figures", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("staff_totp") as batch:
        batch.add_column(sa.Column("replacement_secret", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("replacement_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_totp") as batch:
        batch.drop_column("replacement_started_at")
        batch.drop_column("replacement_secret")
    with op.batch_alter_table("forces") as batch:
        batch.drop_column("hide_restricted_in_figures")
