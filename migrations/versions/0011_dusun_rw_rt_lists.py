"""a dusun's RW and RT numbers

The village may list the RW and RT of each dusun ("01, 02"); empty when it does not.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:40:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dusun', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rw_list', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rt_list', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('dusun', schema=None) as batch_op:
        batch_op.drop_column('rt_list')
        batch_op.drop_column('rw_list')
