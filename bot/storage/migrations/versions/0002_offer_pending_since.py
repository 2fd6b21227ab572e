"""people.offer_pending_since: when the bot offered a person and heard nothing back,
so an unanswered offer can become a follow-up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:58:18.217402
"""
from alembic import op
import sqlalchemy as sa
import bot.storage.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_pending_since', bot.storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('offer_pending_since')

