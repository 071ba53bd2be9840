"""co-author invitations, the revisions of a program's words, the revision a ballot is on

A program's authors may now invite members to write it with them (``coauthorinvitation``),
and change its words until a vote opens: each save is a ``revision`` that can be compared
with any other, and a ballot keeps the revision it opened on. Every existing program gets
its revision 1, its words as they are (until now only a draft could change, and a draft
has no ballot, so that is also the text each existing ballot was opened on).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:14:39
"""
import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coauthorinvitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by', sa.Integer(), nullable=False),
    sa.Column('invited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['invited_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('coauthorinvitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coauthorinvitation_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coauthorinvitation_user_id'), ['user_id'], unique=False)

    op.create_table('revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('changed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'number')
    )
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revision_program_id'), ['program_id'], unique=False)

    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
    backfill()


# The proposal's fields, as drafting/revisions.py keeps them (written out: a migration
# must not change when the code does).
FIELDS = ("title", "problem", "goal", "beneficiaries", "beneficiaries_count", "dusun_id",
          "rt", "rw", "sector", "estimated_cost", "funding_source")


def backfill() -> None:
    bind = op.get_bind()
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    program = sa.table("program", sa.column("id"), sa.column("created_by"),
                       sa.column("created_at", moment()), sa.column("version"),
                       *[sa.column(field) for field in FIELDS])
    revision = sa.table("revision", sa.column("program_id"), sa.column("number"),
                        sa.column("user_id"), sa.column("created_at", moment()),
                        sa.column("version"),
                        sa.column("proposal"), sa.column("changed"))
    ballot = sa.table("ballot", sa.column("revision"))
    rows = [{"program_id": row["id"], "number": 1, "user_id": row["created_by"],
             "created_at": row["created_at"], "version": row["version"],
             "proposal": json.dumps({field: row[field] for field in FIELDS}, sort_keys=True),
             "changed": json.dumps(list(FIELDS))}
            for row in bind.execute(sa.select(program)).mappings()]
    if rows:
        bind.execute(revision.insert(), rows)
    bind.execute(ballot.update().values(revision=1))


def downgrade() -> None:
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_column('revision')

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revision_program_id'))

    op.drop_table('revision')
    with op.batch_alter_table('coauthorinvitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coauthorinvitation_user_id'))
        batch_op.drop_index(batch_op.f('ix_coauthorinvitation_program_id'))

    op.drop_table('coauthorinvitation')
