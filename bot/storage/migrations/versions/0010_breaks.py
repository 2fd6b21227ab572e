"""people.break_until: a member taking a break (/break) gets no session reminders or
wellbeing questions until then, and a gentle check-in when it ends.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:10:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_until', bot.storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('break_until')
