"""list indexes in each list's sort order, id last (keyset pagination, issue 11)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 02:50:00
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# (table, name, new columns, old columns or None when the index is new)
CHANGES = [
    ('suggestion', 'ix_suggestion_list', ['community_id', 'hidden', 'status', 'created_at', 'id'],
     ['community_id', 'hidden', 'status', 'created_at']),
    ('suggestion', 'ix_suggestion_supported', ['community_id', 'hidden', 'supporters', 'id'],
     ['community_id', 'hidden', 'supporters']),
    # (0010 puts community_id in front: the capped count then needs the index only)
    ('suggestion', 'ix_suggestion_author_newest', ['author_id', 'created_at', 'id'], None),
    ('proposal', 'ix_proposal_newest', ['community_id', 'created_at', 'id'], None),
    ('meeting', 'ix_meeting_when', ['community_id', 'starts_at', 'id'],
     ['community_id', 'starts_at']),
    ('resolution', 'ix_resolution_newest', ['community_id', 'id'], None),
    ('resolution', 'ix_resolution_created', ['community_id', 'created_at'], None),
    ('notification', 'ix_notification_user_newest', ['user_id', 'id'], None),
]


def upgrade() -> None:
    for table, name, columns, old in CHANGES:
        if old is not None:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
    # ix_suggestion_author_newest starts with author_id: the single-column index is redundant.
    op.drop_index('ix_suggestion_author_id', table_name='suggestion')


def downgrade() -> None:
    op.create_index('ix_suggestion_author_id', 'suggestion', ['author_id'], unique=False)
    for table, name, _columns, old in reversed(CHANGES):
        op.drop_index(name, table_name=table)
        if old is not None:
            op.create_index(name, table, old, unique=False)
