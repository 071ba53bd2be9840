"""a member's dusun, gender and representation tags

Kept per membership (a person may live in one community and work in another): the
meetings count who is present per group (women, poor households, youth, farmers...).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dusun_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=1),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('tags', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_membership_dusun_id_dusun', 'dusun', ['dusun_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint('fk_membership_dusun_id_dusun', type_='foreignkey')
        batch_op.drop_column('tags')
        batch_op.drop_column('gender')
        batch_op.drop_column('dusun_id')
