"""a time zone per community, a minimum voting time per round, anonymised names blanked

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default='Asia/Jakarta'))
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_voting_hours', sa.Integer(), nullable=False,
                                      server_default='0'))
    # A person who left is named by the page, in its language; the stored name says nothing.
    op.execute("UPDATE \"user\" SET display_name = '' WHERE anonymised_at IS NOT NULL")


def downgrade() -> None:
    op.execute("UPDATE \"user\" SET display_name = '(deleted #' || id || ')' "
               "WHERE anonymised_at IS NOT NULL")
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('min_voting_hours')
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_column('timezone')
