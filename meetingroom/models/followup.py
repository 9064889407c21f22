"""Step 4 (党员群众评议): resolutions, their progress and the ratings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field, optional_time_field

RESOLUTION_STATUSES = ("not_started", "in_progress", "done", "delayed")


class Resolution(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_resolution_status", "community_id", "status", "deadline"),
                      # The list, newest first (meetingroom/pagination.py).
                      sa.Index("ix_resolution_newest", "community_id", "id"),
                      # The year filter and its first year (min(created_at)) on every list page.
                      sa.Index("ix_resolution_created", "community_id", "created_at"))
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    item_id: int = Field(foreign_key="agenda_item.id", unique=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    title: str = Field(max_length=100)
    text: str = Field(default="", max_length=5000)
    responsible: str = Field(default="", max_length=100)  # a person's or a unit's name
    responsible_user_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    deadline: date | None = None
    status: str = Field(default="not_started", max_length=20)
    percent: int = 0
    # Ratings open when the resolution is done or past deadline; they close on this date
    # (default 30 days after they opened) or when the secretary closes them.
    ratings_opened_at: datetime | None = optional_time_field()
    ratings_closed_at: datetime | None = optional_time_field()
    # When the followers were told that ratings opened (R4.2): by the done notice, or by the
    # sweep once the deadline passed (followup.service.notify_ratings_opened). NULL again when
    # the window is reset (back from done, deadline moved), so each opening is told once.
    rating_notice_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()


class ProgressUpdate(SQLModel, table=True):
    __tablename__ = "progress_update"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    resolution_id: int = Field(foreign_key="resolution.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    status: str = Field(max_length=20)
    percent: int
    note: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()


class Rating(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("resolution_id", "user_id"),
                      # One resolution's comments, newest first (meetingroom/pagination.py).
                      sa.Index("ix_rating_comments", "resolution_id", "updated_at", "id"))
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    resolution_id: int = Field(foreign_key="resolution.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    # "party_member" | "resident": the rater's group when he rated, so results stay split.
    group: str = Field(max_length=20)
    score: int
    comment: str = Field(default="", max_length=1000)
    hidden: bool = False
    report_count: int = 0
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
