"""Add OIDC sign-in links, users' email addresses, and room for sealed TOTP secrets

Deploying: adds a table and a nullable column, and widens staff_totp.secret; safe while Beacon
runs. The TOTP secrets themselves are sealed by Beacon, not here (the key is outside the
database, where a migration cannot and should not reach it): `beacon migrate` and every start
of `beacon serve` seal any secret still in plain text (beacon.staff.totp_sealing), and a plain
secret read before that still works and is sealed as it is used.

Revision ID: 0016
Revises: 0015 (add account security)
"""

from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.create_unique_constraint("uq_users_email", ["email"])
    with op.batch_alter_table("staff_totp") as batch_op:
        batch_op.alter_column("secret", type_=sa.String(length=200), existing_type=sa.String(length=64),
                              existing_nullable=False)
    op.create_table(
        "staff_oidc_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id", "issuer"),
    )


def downgrade() -> None:
    op.drop_table("staff_oidc_links")
    with op.batch_alter_table("staff_totp") as batch_op:
        batch_op.alter_column("secret", type_=sa.String(length=64), existing_type=sa.String(length=200))
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("uq_users_email", type_="unique")
        batch_op.drop_column("email")
