"""Add incidents and each message's item and incident

Deploying: adds a table and two nullable columns to messages. On PostgreSQL the columns are
added in place; on SQLite the messages table is rebuilt (batch mode), which locks it briefly, so
run it with Beacon stopped on a large SQLite store.

Revision ID: 0007
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0003"
branch_labels = ("noise",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("first_message_id", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("reporters", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("attention", sa.String(length=2), nullable=True),
        sa.Column("surging", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["first_message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.ForeignKeyConstraint(["merged_into_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("force_id", "key"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_item_key"), ["item_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_incident_id"), ["incident_id"], unique=False)
        batch_op.create_foreign_key("fk_messages_incident_id", "incidents", ["incident_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("fk_messages_incident_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_messages_incident_id"))
        batch_op.drop_index(batch_op.f("ix_messages_item_key"))
        batch_op.drop_column("incident_id")
        batch_op.drop_column("item_key")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_case_id"))
    op.drop_table("incidents")
