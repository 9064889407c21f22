"""meeting.adoption_rule/base: the R7.4 settings frozen when the meeting opens (issue 9)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting') as batch_op:
        batch_op.add_column(sa.Column('adoption_rule', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=True))
        batch_op.add_column(sa.Column('adoption_base', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting') as batch_op:
        batch_op.drop_column('adoption_base')
        batch_op.drop_column('adoption_rule')
