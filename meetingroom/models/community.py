"""The community, its member units, the roster record (R1–R3, R5) and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field


class Community(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    name: str = Field(max_length=100)
    slug: str = Field(max_length=50, unique=True)
    # R7.4 settings: "inclusive_half" | "strict_majority", and "present" | "seated".
    adoption_rule: str = Field(default="inclusive_half", max_length=20)
    adoption_base: str = Field(default="present", max_length=20)
    self_registration: bool = True
    # R2.2: how many working days a public notice (社区公示) takes objections.
    notice_days: int = Field(default=5, sa_column_kwargs={"server_default": "5"})
    created_at: datetime = created_at_field()


class MemberUnit(SQLModel, table=True):
    """成员单位: a party organisation in the area (R1.2, R5)."""

    __tablename__ = "member_unit"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    name: str = Field(max_length=100)
    # school | firm | hospital | police | property | owners_committee | social_org | party_org |
    # mosque | other (community.service.UNIT_KINDS)
    kind: str = Field(default="other", max_length=30)
    # R5.6: the contact person and phone are shown to the secretary and committee members only.
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=20)
    # The unit's profile (R5): its party organisation, the higher organisation the review result
    # and the co-building report go to (上级党组织), where it is, who heads its party organisation,
    # and the day it reported in (报到, R5.1).
    party_org: str = Field(default="", max_length=100)
    higher_org: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=200)
    party_head: str = Field(default="", max_length=50)
    reported_on: date | None = None
    created_at: datetime = created_at_field()


class AppointmentStep(SQLModel, table=True):
    """One of the five R2.2 steps for a part-time member, with its date and who did it."""

    __tablename__ = "appointment_step"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("user_id", "step"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    user_id: int = Field(foreign_key="user.id", index=True)
    # recommend | select | approve | appoint | notice  (R2.2, in that order)
    step: str = Field(max_length=20)
    done_on: date
    done_by: str = Field(max_length=100)
    note: str = Field(default="", max_length=500)


class Category(SQLModel, table=True):
    """Suggestion categories; a short list the secretary can edit."""

    __table_args__ = (sa.UniqueConstraint("community_id", "code"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    code: str = Field(max_length=30)
    name_zh: str = Field(max_length=30)
    name_en: str = Field(max_length=30)
    position: int = 0
    active: bool = True


class AuditLog(SQLModel, table=True):
    """Append-only: who changed what and when. Nothing updates or deletes these rows."""

    __tablename__ = "audit_log"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    actor_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    action: str = Field(max_length=50, index=True)
    entity: str = Field(max_length=30)
    entity_id: int | None = None
    # audit.record's keyword arguments, as JSON: each action writes its own keys.
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()


class Notification(SQLModel, table=True):
    """In-app notice for one user. `message` is an English msgid translated when shown,
    `params` fill its placeholders, so each reader sees his own language."""

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),
                      # One person's notices, newest first (meetingroom/pagination.py).
                      sa.Index("ix_notification_user_newest", "user_id", "id"))
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    user_id: int = Field(foreign_key="user.id")
    message: str = Field(max_length=200)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    link: str = Field(default="", max_length=200)
    read_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = created_at_field()
