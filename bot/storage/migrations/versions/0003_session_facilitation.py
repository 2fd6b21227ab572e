"""Session facilitation and scale-out: queued session notices, check-in rounds,
drafts of guided commands, the scheduler leader's lease, occurrences' wrap-up
time, and a "sending" state for reminder deliveries (claimed, not yet sent).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:41:38.728991
"""
from alembic import op
import sqlalchemy as sa
import bot.storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

DELIVERY_STATUSES_OLD = "'pending', 'sent', 'skipped', 'failed'"
DELIVERY_STATUSES_NEW = "'pending', 'sending', 'sent', 'skipped', 'failed'"


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('expires_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('drafts',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_drafts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_drafts'))
    )
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('in', 'out')", name=op.f('ck_rounds_kind_valid')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_rounds_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['people.id'], name=op.f('fk_rounds_started_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('occurrence_id', 'kind', name=op.f('uq_rounds_occurrence_id'))
    )
    op.create_table('session_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('cancelled', 'changed', 'promoted')", name=op.f('ck_session_notices_kind_valid')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'skipped', 'failed')", name=op.f('ck_session_notices_status_valid')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_session_notices_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_session_notices_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_notices'))
    )
    with op.batch_alter_table('session_notices', schema=None) as batch_op:
        batch_op.create_index('ix_session_notices_status', ['status', 'created_at', 'id'], unique=False)

    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrapped_up_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('status_valid', type_='check')
        batch_op.create_check_constraint('status_valid', f"status IN ({DELIVERY_STATUSES_NEW})")



def downgrade() -> None:
    op.execute("UPDATE reminder_deliveries SET status = 'failed' WHERE status = 'sending'")
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('status_valid', type_='check')
        batch_op.create_check_constraint('status_valid', f"status IN ({DELIVERY_STATUSES_OLD})")

    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_column('wrapped_up_at')

    with op.batch_alter_table('session_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_session_notices_status')

    op.drop_table('session_notices')
    op.drop_table('rounds')
    op.drop_table('drafts')
    op.drop_table('leases')
