"""deliberation and assisted entry

The discussion grows replies (one level), edits and hides (with the facilitator's reason),
answers to the objections of a failed consent round, and the facilitator's pinned summary,
each version kept (discussionsummary). A comment and a support may be entered by the
facilitator for a resident without a phone: ``recorded_by`` says who entered it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:10:33
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('discussionsummary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('discussionsummary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussionsummary_program_id'), ['program_id'], unique=False)

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('objection_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('hidden_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key('fk_comment_recorded_by_user', 'user', ['recorded_by'], ['id'])
        batch_op.create_foreign_key('fk_comment_parent_id_comment', 'comment', ['parent_id'], ['id'])
        batch_op.create_foreign_key('fk_comment_objection_id_vote', 'vote', ['objection_id'], ['id'])

    with op.batch_alter_table('supporter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_supporter_recorded_by_user', 'user', ['recorded_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('supporter', schema=None) as batch_op:
        batch_op.drop_constraint('fk_supporter_recorded_by_user', type_='foreignkey')
        batch_op.drop_column('recorded_by')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_comment_objection_id_vote', type_='foreignkey')
        batch_op.drop_constraint('fk_comment_parent_id_comment', type_='foreignkey')
        batch_op.drop_constraint('fk_comment_recorded_by_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))
        batch_op.drop_column('revision')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('recorded_by')
        batch_op.drop_column('objection_id')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('discussionsummary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussionsummary_program_id'))

    op.drop_table('discussionsummary')
