"""The optional outcome questionnaire: people's consent to it, and their responses
(item answers and scores; the measure itself is data in config/). Also the
reminder queue's index gains the id, so the sender finds the oldest pending row
without sorting a large fan-out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:14:30.712626
"""
from alembic import op
import sqlalchemy as sa
import bot.storage.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outcome_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('started_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'complete', 'abandoned')", name=op.f('ck_outcome_responses_status_valid')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_outcome_responses_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_responses'))
    )
    with op.batch_alter_table('outcome_responses', schema=None) as batch_op:
        batch_op.create_index('ix_outcome_responses_person_started', ['person_id', 'started_at'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_consent', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('outcome_consent_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_deliveries_due')
        batch_op.create_index('ix_reminder_deliveries_due', ['status', 'due_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_deliveries_due')
        batch_op.create_index('ix_reminder_deliveries_due', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('outcome_consent_at')
        batch_op.drop_column('outcome_consent')

    with op.batch_alter_table('outcome_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_responses_person_started')

    op.drop_table('outcome_responses')
