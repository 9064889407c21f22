"""the roster and a resolution's rating comments go by keyset: their indexes in list order

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 06:10:00
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (community_id, id) serves every lookup by community, and gives the roster's order.
    op.create_index('ix_user_roster', 'user', ['community_id', 'id'], unique=False)
    op.drop_index('ix_user_community_id', table_name='user')
    op.create_index('ix_rating_comments', 'rating', ['resolution_id', 'updated_at', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_rating_comments', table_name='rating')
    op.create_index('ix_user_community_id', 'user', ['community_id'], unique=False)
    op.drop_index('ix_user_roster', table_name='user')
