"""suggestion list newest first: an index in that order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:55:00
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_suggestion_newest', 'suggestion',
                    ['community_id', 'hidden', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_suggestion_newest', table_name='suggestion')
