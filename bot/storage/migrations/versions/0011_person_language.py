"""people.language: the language the bot speaks to a person ("en", "es"), taken from
Telegram's language_code when they join and changed with /language. Rows without one
are spoken to in English, as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('language')
