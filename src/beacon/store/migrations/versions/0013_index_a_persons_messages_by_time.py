"""Index a person's messages by time

Deploying: replaces the index on messages.person_id with one on (person_id, created_at); safe
while Beacon runs (on PostgreSQL building it locks messages against writes while it runs: a few
seconds per million messages; run it off-peak on a large store). The people stage counts each
new message's author's recent messages (repeat contact). With person_id alone SQLite, which
keeps no statistics, picked an index on force_id instead on some databases (it depends on the
order the indexes were created in) and read every message of the force for each new one.

Revision ID: 0013
Revises: 0008 (people and routing)
"""

from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_person_created", "messages", ["person_id", "created_at"])
    op.drop_index("ix_messages_person_id", table_name="messages")


def downgrade() -> None:
    op.create_index("ix_messages_person_id", "messages", ["person_id"])
    op.drop_index("ix_messages_person_created", table_name="messages")
