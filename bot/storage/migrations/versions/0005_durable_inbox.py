"""Fail-safe intake: a durable inbox of raw Telegram updates (written before Telegram is
told they arrived; replaces the processed-updates ledger, whose "processing" rows were
never resumed after a crash), each page of a case claimed per chat and chain step so a
resumed update pages nobody twice, and the message that raised a case, so handling it
again finds the same case.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:09:48.657703
"""
from alembic import op
import sqlalchemy as sa
import bot.storage.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bot_id', sa.BigInteger(), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('received', 'done', 'poison')", name=op.f('ck_inbox_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('bot_id', 'update_id', name='uq_inbox_bot_update')
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_pending', ['bot_id', 'status', 'priority', 'id'], unique=False)
        batch_op.create_index('ix_inbox_sender', ['sender_id', 'received_at'], unique=False)

    op.create_table('case_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('chain_level', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('sending', 'sent', 'failed')", name=op.f('ck_case_pages_status_valid')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_case_pages_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_pages')),
    sa.UniqueConstraint('escalation_id', 'chain_level', 'chat_id', name='uq_case_pages_once')
    )
    op.drop_table('processed_updates')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_escalations_source'), ['source'])



def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_escalations_source'), type_='unique')
        batch_op.drop_column('source')

    op.create_table('processed_updates',
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('processing', 'done', 'failed')", name=op.f('ck_processed_updates_status_valid')),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_processed_updates'))
    )
    op.drop_table('case_pages')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_sender')
        batch_op.drop_index('ix_inbox_pending')

    op.drop_table('inbox')
