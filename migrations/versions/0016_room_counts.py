"""room counts

The counts of a secret ballot entered by the facilitator in the hall: how many chose each
option, per meeting, without anyone's name, and the objections' reasons as the room gave
them. The tally, the quorum and the closing decision add them to the votes cast on phones.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:42:33
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roomcount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ballot_id', 'meeting_id', 'choice')
    )
    with op.batch_alter_table('roomcount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roomcount_ballot_id'), ['ballot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roomcount_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('roomcount', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roomcount_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_roomcount_ballot_id'))

    op.drop_table('roomcount')
