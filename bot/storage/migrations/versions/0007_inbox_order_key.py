"""inbox.order_key: updates are handled concurrently, so each conversation's own
updates must still be handled one at a time and in arrival order; the key names the
conversation ("<chat id>:<sender id>"), indexed for the worker's claim query. Rows
stored before this have no key and are handled as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_inbox_order', ['bot_id', 'order_key', 'status', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_order')
        batch_op.drop_column('order_key')
