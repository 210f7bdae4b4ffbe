"""Indexes for the desk's pages with a large store

Deploying: adds two indexes only; safe while Beacon runs (on PostgreSQL each build locks its
table against writes while it runs: a few seconds per million messages; run it off-peak on a
large store). `bench/pages.py` measured what they save: counting each case's messages for the
inbox and its CSV walks one index instead of every message row, and the control room's
breaches in the last 24 hours are a range read instead of a scan of every SLA clock.

Revision ID: 0010
Revises: 0009 (and needs 0005, case work)
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = ("0005",)  # case_clocks comes from the case-work branch


def upgrade() -> None:
    op.create_index("ix_messages_force_case", "messages", ["force_id", "case_id"])
    op.create_index("ix_case_clocks_breached", "case_clocks", ["force_id", "breached_at"])


def downgrade() -> None:
    op.drop_index("ix_case_clocks_breached", table_name="case_clocks")
    op.drop_index("ix_messages_force_case", table_name="messages")
