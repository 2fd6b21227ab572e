"""Drop people.caseload_cap: it was never read (the cap is the service-wide
escalation.caseload_cap setting), and a column that looks like a per-PSW cap but
changes nothing would mislead whoever sets it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('caseload_cap')


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caseload_cap', sa.Integer(), nullable=True))
