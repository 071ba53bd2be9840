"""a ballot closed without quorum, and an advisory poll, decided nothing: passed is NULL

Before, every closed ballot stored passed true or false. A consent vote closed without
quorum therefore read as a failed consensus and unlocked the majority fallback, and an
advisory poll (which binds nobody) read as "not accepted". Now ``ballot.passed`` is True
(carried), False (fell short with quorum) or NULL (nothing decided). The closing event of
each ballot recorded its tally (at the moment the ballot closed), so the old rows are set
right from it. No change of schema.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ballot = sa.table('ballot', sa.column('id', sa.Integer), sa.column('program_id', sa.Integer),
                  sa.column('kind', sa.String), sa.column('closed_at', sa.DateTime),
                  sa.column('passed', sa.Boolean))
event = sa.table('event', sa.column('program_id', sa.Integer), sa.column('at', sa.DateTime),
                 sa.column('payload', sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(ballot.update().where(ballot.c.kind == 'advisory').values(passed=None))
    # A closed ballot and the event that closed it share the moment and the program.
    closings = bind.execute(sa.select(ballot.c.id, event.c.payload).select_from(
        ballot.join(event, sa.and_(event.c.program_id == ballot.c.program_id,
                                   event.c.at == ballot.c.closed_at)))
        .where(ballot.c.passed.is_(False))).all()
    without_quorum = sorted({ballot_id for ballot_id, payload in closings
                             if (json.loads(payload or "{}").get("tally") or {})
                             .get("quorum_met") is False})
    if without_quorum:
        bind.execute(ballot.update().where(ballot.c.id.in_(without_quorum))
                     .values(passed=None))


def downgrade() -> None:
    # The old rule: every closed ballot was either passed or not.
    op.get_bind().execute(ballot.update().where(
        ballot.c.closed_at.is_not(None), ballot.c.passed.is_(None)).values(passed=False))
