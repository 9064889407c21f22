"""resolution.rating_notice_at: followers told once that ratings opened (issue 13 §1, R4.2)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resolution') as batch:
        batch.add_column(sa.Column('rating_notice_at', sa.DateTime(timezone=True),
                                   nullable=True))
    # Done resolutions were told by the done notice already.
    op.execute("UPDATE resolution SET rating_notice_at = ratings_opened_at "
               "WHERE status = 'done' AND ratings_opened_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('resolution') as batch:
        batch.drop_column('rating_notice_at')
