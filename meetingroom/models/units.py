"""Member units' year with the committee (R5): contacts, the three co-building lists (needs,
resources, projects), good deeds and their thanks, part-time members' annual reports and reminder
talks. The unit's own profile lives on MemberUnit (models/community.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field

# the unit reports in (报到) / the community visits the unit (走访)
CONTACT_DIRECTIONS = ("report_in", "visit")
NEED_SOURCES = ("resident", "committee", "unit")
# open: nobody has answered yet (the dashboard lists these) | answered: the committee replied |
# matched: a project takes it on | done: that project is completed
NEED_STATUSES = ("open", "answered", "matched", "done")
PROJECT_STATUSES = ("planned", "in_progress", "done")
REMINDER_BY = ("committee", "higher_org", "authority")  # seed §06: 本级 / 上级党组织 / 行业主管部门


def unit_fk(**kw):
    return Field(foreign_key="member_unit.id", index=True, **kw)


class UnitContact(SQLModel, table=True):
    """One contact between the committee and a unit (R5.1), as it happened."""

    __tablename__ = "unit_contact"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.Index("ix_unit_contact_unit_date", "unit_id", "held_on"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    unit_id: int = unit_fk()
    direction: str = Field(max_length=20)
    held_on: date
    who: str = Field(max_length=200)  # the people on both sides, as written down
    note: str = Field(default="", max_length=2000)  # what was raised: needs, opinions
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class UnitNeed(SQLModel, table=True):
    """需求清单: a need from residents' suggestions, the committee, or a unit in a contact."""

    __tablename__ = "unit_need"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    title: str = Field(max_length=100)
    detail: str = Field(default="", max_length=2000)
    source: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="member_unit.id", nullable=True,
                                index=True)  # the unit that raised it (source "unit")
    contact_id: int | None = Field(default=None, foreign_key="unit_contact.id", nullable=True)
    suggestion_id: int | None = Field(default=None, foreign_key="suggestion.id", nullable=True)
    status: str = Field(default="open", max_length=20, index=True)
    answer: str = Field(default="", max_length=2000)
    answered_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    answered_on: date | None = None
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class UnitResource(SQLModel, table=True):
    """资源清单: something a unit offers the area (a hall, parking at night, a doctor's time)."""

    __tablename__ = "unit_resource"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    unit_id: int = unit_fk()
    title: str = Field(max_length=100)
    detail: str = Field(default="", max_length=1000)
    availability: str = Field(default="", max_length=100)  # e.g. "weekday evenings"
    active: bool = True
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class UnitProject(SQLModel, table=True):
    """项目清单: a project that meets a need with one or more units' resources."""

    __tablename__ = "unit_project"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    need_id: int | None = Field(default=None, foreign_key="unit_need.id", nullable=True,
                                index=True)
    title: str = Field(max_length=100)
    detail: str = Field(default="", max_length=2000)
    status: str = Field(default="planned", max_length=20)
    started_on: date
    done_on: date | None = None
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class ProjectUnit(SQLModel, table=True):
    """A unit taking on (承接) a project, with the resource it brings; once per unit."""

    __tablename__ = "unit_project_unit"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("project_id", "unit_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    project_id: int = Field(foreign_key="unit_project.id", index=True)
    unit_id: int = unit_fk()
    resource_id: int | None = Field(default=None, foreign_key="unit_resource.id", nullable=True)
    created_at: datetime = created_at_field()


class UnitDeed(SQLModel, table=True):
    """实事好事 (R5.2): what a unit did for the community, public. A completed project gives each
    unit that took it on one deed (project_id set; once per unit and project)."""

    __tablename__ = "unit_deed"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("project_id", "unit_id"),
                      sa.Index("ix_unit_deed_list", "community_id", "done_on"))
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    unit_id: int = unit_fk()
    title: str = Field(max_length=100)
    detail: str = Field(default="", max_length=2000)
    done_on: date
    beneficiaries: str = Field(default="", max_length=200)  # for whom
    project_id: int | None = Field(default=None, foreign_key="unit_project.id", nullable=True)
    thanks: int = 0  # denormalised count of DeedThanks rows
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class DeedThanks(SQLModel, table=True):
    """点赞: one per resident per deed, enforced by the database."""

    __tablename__ = "unit_deed_thanks"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("deed_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    deed_id: int = Field(foreign_key="unit_deed.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class UnitReport(SQLModel, table=True):
    """述职 (R5.3): a part-time member's yearly report to his unit and the committee."""

    __tablename__ = "unit_report"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("member_id", "year"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    unit_id: int = unit_fk()
    member_id: int = Field(foreign_key="user.id", index=True)
    year: int
    text: str = Field(max_length=20000)
    given_on: date
    attachment: str = Field(default="", max_length=100)  # file name under DATA_DIR/uploads
    attachment_kind: str = Field(default="", max_length=10)  # docx | pdf
    attachment_name: str = Field(default="", max_length=200)  # what the uploader called it
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class UnitReminder(SQLModel, table=True):
    """提醒谈话 (R5.3) with the head of a unit's party organisation that falls short."""

    __tablename__ = "unit_reminder"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    unit_id: int = unit_fk()
    held_on: date
    held_by: str = Field(default="committee", max_length=20)
    who: str = Field(max_length=200)
    reason: str = Field(max_length=1000)
    outcome: str = Field(default="", max_length=2000)
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
