"""Safety plans: each person's own plan (one row, their words per part sealed under a
key the database never holds, whether the PSW who takes their case may read it), and an anonymous count of each time a plan
was made, changed, opened, offered or shown to a PSW, for reports. And the buttons a
private chat can press by typing (pending_choices), kept where every process sees them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:10:00
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('safety_plans',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_safety_plans_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_safety_plans'))
    )
    op.create_table('safety_plan_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('made', 'changed', 'opened', 'offered', 'shown_to_psw')", name=op.f('ck_safety_plan_uses_kind_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plan_uses'))
    )
    with op.batch_alter_table('safety_plan_uses', schema=None) as batch_op:
        batch_op.create_index('ix_safety_plan_uses_at', ['at'], unique=False)
    op.create_table('pending_choices',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('asked_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_pending_choices'))
    )


def downgrade() -> None:
    op.drop_table('pending_choices')
    with op.batch_alter_table('safety_plan_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_plan_uses_at')
    op.drop_table('safety_plan_uses')
    op.drop_table('safety_plans')
