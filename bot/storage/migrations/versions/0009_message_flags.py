"""Members' reports of posts in groups (/flag): one row per member and post, so reports
from different members are counted (and a post flagged by enough of them is hidden when
no PSW is on duty). The post's words are not kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 00:40:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('author_telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('flagged_by_id', sa.Integer(), nullable=False),
    sa.Column('at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flagged_by_id'], ['people.id'], name=op.f('fk_message_flags_flagged_by_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_message_flags_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_flags')),
    sa.UniqueConstraint('chat_id', 'message_id', 'flagged_by_id', name='one_flag_per_member')
    )


def downgrade() -> None:
    op.drop_table('message_flags')
