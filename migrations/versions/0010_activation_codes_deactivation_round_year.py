"""activation codes, deactivated members, a round's year and status

People without e-mail get a one-time code on a printed slip (stored as a nonce and a
hash); a member can be deactivated (keeps their records, loses their role); a round says
which planning year it prepares and whether it is open, closed or archived.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:20:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'activationcode',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('activationcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activationcode_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default='open'))


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('status')
        batch_op.drop_column('year')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('activationcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activationcode_user_id'))
    op.drop_table('activationcode')
