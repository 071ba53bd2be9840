"""a community's place (kecamatan, kabupaten) and where residents may complain

For the official documents (the berita acara names the kecamatan and kabupaten) and the
public report (it gives the address for complaints). Empty for the communities there are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 11:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('community', schema=None) as batch_op:
        for name, length in (('kecamatan', 120), ('kabupaten', 120), ('complaint_address', 300)):
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length),
                                          nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('community', schema=None) as batch_op:
        for name in ('complaint_address', 'kabupaten', 'kecamatan'):
            batch_op.drop_column(name)
