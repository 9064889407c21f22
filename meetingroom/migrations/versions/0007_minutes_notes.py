"""minutes notes: an item's reason or remark, observers' remarks (R6.2), absence reasons

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agenda_item') as batch:
        batch.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500),
                                   nullable=False, server_default=''))
    with op.batch_alter_table('observer') as batch:
        batch.add_column(sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=1000),
                                   nullable=False, server_default=''))
    op.create_table(
        'absence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'user_id'),
    )
    op.create_index(op.f('ix_absence_meeting_id'), 'absence', ['meeting_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_absence_meeting_id'), table_name='absence')
    op.drop_table('absence')
    with op.batch_alter_table('observer') as batch:
        batch.drop_column('remarks')
    with op.batch_alter_table('agenda_item') as batch:
        batch.drop_column('note')
