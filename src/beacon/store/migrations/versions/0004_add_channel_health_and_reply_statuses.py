"""Add channel health and reply status events

Deploying: adds two tables only; safe while Beacon runs. Branch `channels` (parallel to
other issue branches from 0003); `beacon migrate` upgrades to all heads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 23:49:31.073578
"""

from alembic import op
import sqlalchemy as sa



revision = '0004'
down_revision = '0003'
branch_labels = ('channels',)
depends_on = None


def upgrade() -> None:
    op.create_table('channel_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('account', sa.String(length=256), nullable=False),
    sa.Column('signature_failures', sa.Integer(), nullable=False),
    sa.Column('last_signature_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'account', name='uq_channel_health')
    )
    op.create_table('reply_status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('channel_account', sa.String(length=256), nullable=False),
    sa.Column('provider_message_id', sa.String(length=256), nullable=True),
    sa.Column('thread_ref', sa.String(length=512), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reply_status_events', schema=None) as batch_op:
        batch_op.create_index('ix_reply_status_provider', ['channel', 'provider_message_id'], unique=False)
        batch_op.create_index('ix_reply_status_thread', ['channel', 'thread_ref'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reply_status_events', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_status_thread')
        batch_op.drop_index('ix_reply_status_provider')

    op.drop_table('reply_status_events')
    op.drop_table('channel_health')
