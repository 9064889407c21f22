"""my suggestions: community_id in the author index, so the capped count reads the index only

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 03:55:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_suggestion_author_newest', table_name='suggestion')
    op.create_index('ix_suggestion_author_newest', 'suggestion',
                    ['community_id', 'author_id', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_suggestion_author_newest', table_name='suggestion')
    op.create_index('ix_suggestion_author_newest', 'suggestion',
                    ['author_id', 'created_at', 'id'], unique=False)
