"""site administrators; events of the set-up that belong to no program

A site administrator (``user.site_admin``) is made by ``flask --app app create-admin`` and
creates communities. Set-up actions are audited in the same hash chain as the programs'
steps, so an event's ``program_id`` may now be empty (the payload names what it is about).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_admin', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('program_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM event WHERE program_id IS NULL")
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('program_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('site_admin')
