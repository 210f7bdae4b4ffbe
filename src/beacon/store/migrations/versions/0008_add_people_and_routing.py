"""Add people and routing: identity keys, merges, candidates, markers, flags, quoted references, decisions

Deploying: adds tables only; safe while Beacon runs. Identities stored before it have no rows in
identity_keys; a new identity still finds them by the phone number or address they were stored
under (people/identities.py), so nothing needs backfilling.

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-28 23:54:05.521177
"""

from alembic import op
import sqlalchemy as sa



revision = '0008'
down_revision = '0003'
branch_labels = ('people',)
depends_on = None


def upgrade() -> None:
    op.create_table('identity_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=False),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['identity_id'], ['identities.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('identity_id', 'kind', 'value')
    )
    with op.batch_alter_table('identity_keys', schema=None) as batch_op:
        batch_op.create_index('ix_identity_keys_lookup', ['force_id', 'kind', 'value'], unique=False)

    op.create_table('person_markers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by_user_id', sa.Integer(), nullable=True),
    sa.Column('set_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_name', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['set_by_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person_markers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_markers_person_id'), ['person_id'], unique=False)

    op.create_table('person_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('survivor_id', sa.Integer(), nullable=False),
    sa.Column('absorbed_id', sa.Integer(), nullable=False),
    sa.Column('identity_ids', sa.JSON(), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('marker_ids', sa.JSON(), nullable=False),
    sa.Column('basis', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_name', sa.String(length=200), nullable=True),
    sa.Column('undo_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['absorbed_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['survivor_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_merges_absorbed_id'), ['absorbed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_merges_force_id'), ['force_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_merges_survivor_id'), ['survivor_id'], unique=False)

    op.create_table('person_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('other_person_id', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by_name', sa.String(length=200), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('merge_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['merge_id'], ['person_merges.id'], ),
    sa.ForeignKeyConstraint(['other_person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('force_id', 'person_id', 'other_person_id')
    )
    with op.batch_alter_table('person_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_candidates_other_person_id'), ['other_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_candidates_person_id'), ['person_id'], unique=False)

    op.create_table('quoted_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', 'reference')
    )
    with op.batch_alter_table('quoted_references', schema=None) as batch_op:
        batch_op.create_index('ix_quoted_references_lookup', ['force_id', 'reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_quoted_references_case_id'), ['case_id'], unique=False)

    op.create_table('contact_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contact_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_flags_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_flags_person_id'), ['person_id'], unique=False)

    op.create_table('routing_decisions',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('force_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=True),
    sa.Column('beat', sa.String(length=64), nullable=True),
    sa.Column('need', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('routing_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_routing_decisions_needs', ['force_id', 'outcome', 'decided_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('routing_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_decisions_needs')

    op.drop_table('routing_decisions')
    with op.batch_alter_table('contact_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_flags_person_id'))
        batch_op.drop_index(batch_op.f('ix_contact_flags_message_id'))

    op.drop_table('contact_flags')
    with op.batch_alter_table('quoted_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quoted_references_case_id'))
        batch_op.drop_index('ix_quoted_references_lookup')

    op.drop_table('quoted_references')
    with op.batch_alter_table('person_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_candidates_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_candidates_other_person_id'))

    op.drop_table('person_candidates')
    with op.batch_alter_table('person_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_merges_survivor_id'))
        batch_op.drop_index(batch_op.f('ix_person_merges_force_id'))
        batch_op.drop_index(batch_op.f('ix_person_merges_absorbed_id'))

    op.drop_table('person_merges')
    with op.batch_alter_table('person_markers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_markers_person_id'))

    op.drop_table('person_markers')
    with op.batch_alter_table('identity_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_keys_lookup')

    op.drop_table('identity_keys')
