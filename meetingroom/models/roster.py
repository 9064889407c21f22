"""What the roster records about a seat beyond the seat itself: a full-time member's post (R1.3),
a member appointed before the record began (R2.2), and the public notice (社区公示, R2.2) with the
objections residents send during it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field, optional_time_field

# R1.3: community party secretary, deputy secretary, residents' committee director (a party member)
POSTS = ("party_secretary", "deputy_secretary", "director")


class MemberRecord(SQLModel, table=True):
    """One per person: his post (R1.3) and whether the secretary recorded him as appointed before
    the record began (R2.2: a committee that existed before the app)."""

    __tablename__ = "member_record"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    user_id: int = Field(foreign_key="user.id", unique=True)
    post: str | None = Field(default=None, max_length=20)
    before_record: bool = False
    before_record_note: str = Field(default="", max_length=200)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    updated_at: datetime = created_at_field()


class PublicNotice(SQLModel, table=True):
    """The public notice (公示) that recording the last R2.2 step publishes: one per person."""

    __tablename__ = "public_notice"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    user_id: int = Field(foreign_key="user.id", unique=True)
    seat: str = Field(default="part_time", max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="member_unit.id", nullable=True)
    starts_on: date
    ends_on: date  # the last day objections are taken
    how_to_object: str = Field(max_length=500)
    seated_at: datetime | None = optional_time_field()  # when the app seated him after it
    created_at: datetime = created_at_field()


class NoticeObjection(SQLModel, table=True):
    """A resident's objection during a notice, and the secretary's answer; once per resident."""

    __tablename__ = "notice_objection"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("notice_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    notice_id: int = Field(foreign_key="public_notice.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    text: str = Field(max_length=1000)
    answer: str = Field(default="", max_length=1000)
    upheld: bool | None = None  # None until answered
    answered_at: datetime | None = optional_time_field()
    answered_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    created_at: datetime = created_at_field()
