"""Step 1 (居民群众建议): suggestions, their photos, supports and reports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field


class Suggestion(SQLModel, table=True):
    __table_args__ = (
        # Each list's index ends in its sort order, id last, so a page (and a keyset cursor,
        # meetingroom/pagination.py) is an index seek on SQLite and PostgreSQL alike;
        # tests/test_pagination.py checks the plans. The members' inbox and status filters:
        sa.Index("ix_suggestion_list", "community_id", "hidden", "status", "created_at", "id"),
        # The public list, newest first, without a status filter: the index above cannot give
        # that order (status sits before created_at), so 100,000 rows were sorted per page.
        sa.Index("ix_suggestion_newest", "community_id", "hidden", "created_at", "id"),
        sa.Index("ix_suggestion_supported", "community_id", "hidden", "supporters", "id"),
        # One's own, newest first; community_id in it too, so the capped count is answered from
        # the index alone (without it, 10,001 row lookups for a person with many suggestions).
        sa.Index("ix_suggestion_author_newest", "community_id", "author_id", "created_at", "id"),
    )
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    author_id: int = Field(foreign_key="user.id")
    title: str = Field(max_length=100)
    body: str = Field(max_length=5000)
    category_id: int | None = Field(default=None, foreign_key="category.id", nullable=True)
    location: str = Field(default="", max_length=100)
    # Stored step-1/2 status: submitted | sponsored | declined. Later steps (on agenda, resolved,
    # being carried out, done) are read through the proposal and its resolution.
    status: str = Field(default="submitted", max_length=20)
    decline_reason: str = Field(default="", max_length=500)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", nullable=True,
                                    index=True)
    supporters: int = 0  # denormalised count of Support rows, for list sorting
    show_name: bool = False
    hidden: bool = False
    hidden_reason: str = Field(default="", max_length=500)
    report_count: int = 0
    entered_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    on_behalf_name: str = Field(default="", max_length=50)
    on_behalf_address: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()


class Photo(SQLModel, table=True):
    """A re-encoded image (EXIF stripped) with a thumbnail; belongs to a suggestion, a progress
    update or a unit's good deed."""

    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    uploader_id: int = Field(foreign_key="user.id")
    suggestion_id: int | None = Field(default=None, foreign_key="suggestion.id", index=True)
    progress_id: int | None = Field(default=None, foreign_key="progress_update.id", index=True)
    deed_id: int | None = Field(default=None, foreign_key="unit_deed.id", index=True)
    file: str = Field(max_length=100)  # name under DATA_DIR/uploads
    thumb: str = Field(max_length=100)
    width: int
    height: int
    position: int = 0
    created_at: datetime = created_at_field()


class Support(SQLModel, table=True):
    """附议: one per person per suggestion, enforced by the database."""

    __table_args__ = (sa.UniqueConstraint("suggestion_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class ContentReport(SQLModel, table=True):
    """A report against a suggestion or a rating comment; one per person per thing."""

    __tablename__ = "content_report"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("target", "target_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    target: str = Field(max_length=20)  # suggestion | rating
    target_id: int
    user_id: int = Field(foreign_key="user.id")
    reason: str = Field(max_length=30)
    created_at: datetime = created_at_field()
