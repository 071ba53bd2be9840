"""estimated cost as a 64-bit integer (Rupiah run into billions)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.alter_column('estimated_cost', existing_type=sa.Integer(),
                              type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.alter_column('estimated_cost', existing_type=sa.BigInteger(),
                              type_=sa.Integer(), existing_nullable=True)
