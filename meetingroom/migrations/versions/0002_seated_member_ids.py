"""meeting.seated_member_ids: who was seated when the meeting opened (with S)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:35:03.838812
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for meetings opened before: the minutes fall back to the audit log for those.
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seated_member_ids', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('seated_member_ids')
