"""The year-end two-way review (双述双评, R5.4): criteria with weights, the subjects scored (each
member unit, and the committee), who scores which side, and the scores.

Secrecy works like a secret ballot (R7.6): `ReviewSheet` records only that a scorer has scored a
subject (the "once" rule, and the count on the screens); the points go into per-subject running
sums (`ReviewTotal`) that name nobody. Only an open review also keeps each scorer's marks
(`ReviewMark`, linked to his sheet)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field, optional_time_field

REVIEW_SIDES = ("unit", "committee")  # the side being scored: each member unit / the committee
REVIEW_STATUSES = ("draft", "open", "closed")
# member: a committee member; resident_rep / party_rep: representatives of residents and party
# members (they score the units); unit_rep: a member unit's representative (scores the committee).
SCORER_ROLES = ("member", "resident_rep", "party_rep", "unit_rep")


class Review(SQLModel, table=True):
    """One year's review of one community."""

    __tablename__ = "review"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("community_id", "year"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    year: int
    title: str = Field(max_length=100)
    secret: bool = True
    status: str = Field(default="draft", max_length=10)
    held_on: date | None = None
    opened_at: datetime | None = optional_time_field()
    closed_at: datetime | None = optional_time_field()
    created_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    created_at: datetime = created_at_field()


class ReviewCriterion(SQLModel, table=True):
    """A criterion of one side, with its weight (per cent of that side's score)."""

    __tablename__ = "review_criterion"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("review_id", "side", "name"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    review_id: int = Field(foreign_key="review.id", index=True)
    side: str = Field(max_length=10)
    name: str = Field(max_length=50)
    weight: int
    position: int = 0


class ReviewSubject(SQLModel, table=True):
    """What is scored: one member unit, or the committee (unit_id None, side "committee")."""

    __tablename__ = "review_subject"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    review_id: int = Field(foreign_key="review.id", index=True)
    side: str = Field(max_length=10)
    unit_id: int | None = Field(default=None, foreign_key="member_unit.id", nullable=True)
    name: str = Field(max_length=100)  # as it was when the review was set up
    sheets: int = 0  # how many scorers have scored it
    position: int = 0


class ReviewScorer(SQLModel, table=True):
    """A person who scores one side of the review."""

    __tablename__ = "review_scorer"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("review_id", "user_id", "side"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    review_id: int = Field(foreign_key="review.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    side: str = Field(max_length=10)  # the side he scores
    role: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="member_unit.id", nullable=True)


class ReviewSheet(SQLModel, table=True):
    """That a scorer has scored a subject: once each, enforced by the database. No points."""

    __tablename__ = "review_sheet"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("subject_id", "scorer_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    review_id: int = Field(foreign_key="review.id", index=True)
    subject_id: int = Field(foreign_key="review_subject.id")
    scorer_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class ReviewMark(SQLModel, table=True):
    """An open review only: one scorer's points for one criterion of one subject."""

    __tablename__ = "review_mark"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("sheet_id", "criterion_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    sheet_id: int = Field(foreign_key="review_sheet.id", index=True)
    criterion_id: int = Field(foreign_key="review_criterion.id")
    points: int


class ReviewTotal(SQLModel, table=True):
    """The running sum of points for one criterion of one subject: all a secret review keeps."""

    __tablename__ = "review_total"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("subject_id", "criterion_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    subject_id: int = Field(foreign_key="review_subject.id", index=True)
    criterion_id: int = Field(foreign_key="review_criterion.id")
    points: int = 0
