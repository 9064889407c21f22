"""API shapes for member units (CONTRACT.md "Member units (R5)"). Every object carries `id`,
`unit_id` (where it belongs to one unit) and its `date`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from meetingroom import photos
from meetingroom.models import (
    MemberUnit,
    Photo,
    UnitContact,
    UnitDeed,
    UnitNeed,
    UnitProject,
    UnitReminder,
    UnitReport,
    UnitResource,
    User,
)
from meetingroom.types import Day, Id, Line, Text

Kind = Literal["school", "firm", "hospital", "police", "property", "owners_committee",
               "social_org", "party_org", "mosque", "other"]
Limit = Field(20, ge=1, le=100)


class Page(BaseModel):
    total: int
    total_capped: bool = False

    @staticmethod
    def capped(total: int) -> dict:
        from meetingroom.units.service import TOTAL_CAP

        return {"total": min(total, TOTAL_CAP), "total_capped": total > TOTAL_CAP}


# --- units ---------------------------------------------------------------------------------------

class UnitIn(BaseModel):
    name: Line = Field(min_length=1, max_length=100)
    kind: Kind = "other"
    party_org: Line = Field(default="", max_length=100, description="its party organisation")
    higher_org: Line = Field(default="", max_length=100,
                            description="上级党组织: where reports and review results go")
    address: Line = Field(default="", max_length=200)
    party_head: Line = Field(default="", max_length=50,
                            description="head of its party organisation")
    contact_name: Line = Field(default="", max_length=50)
    contact_phone: Line = Field(default="", max_length=20)
    reported_on: Day | None = Field(default=None, description="the day it reported in (报到)")


class PersonRef(BaseModel):
    id: int
    name: str


class UnitOut(BaseModel):
    id: int
    name: str
    kind: str
    party_org: str
    higher_org: str
    address: str
    party_head: str
    reported_on: dt.date | None
    part_time_members: list[PersonRef]
    contact_name: str | None = Field(
        description="null unless the reader is the secretary or a committee member (R5.6)")
    contact_phone: str | None = Field(
        description="null unless the reader is the secretary or a committee member (R5.6)")

    @classmethod
    def of(cls, unit: MemberUnit, members: list[User], *, staff: bool) -> UnitOut:
        return cls(id=unit.id, name=unit.name, kind=unit.kind, party_org=unit.party_org,
                   higher_org=unit.higher_org, address=unit.address, party_head=unit.party_head,
                   reported_on=unit.reported_on,
                   part_time_members=[PersonRef(id=m.id, name=m.name) for m in members],
                   contact_name=unit.contact_name if staff else None,
                   contact_phone=unit.contact_phone if staff else None)


class UnitPage(Page):
    items: list[UnitOut]


# --- contacts ------------------------------------------------------------------------------------

class ContactIn(BaseModel):
    direction: Literal["report_in", "visit"]
    date: Day
    who: Line = Field(min_length=1, max_length=200, description="the people on both sides")
    note: Text = Field(default="", max_length=2000, description="what was raised")
    needs: list[Line] = Field(default_factory=list, max_length=10,
                             description="needs raised; each joins the needs list")


class ContactOut(BaseModel):
    id: int
    unit_id: int
    direction: str
    date: dt.date
    who: str
    note: str
    recorded_by_id: int

    @classmethod
    def of(cls, c: UnitContact) -> ContactOut:
        return cls(id=c.id, unit_id=c.unit_id, direction=c.direction, date=c.held_on, who=c.who,
                   note=c.note, recorded_by_id=c.recorded_by_id)


class ContactPage(Page):
    items: list[ContactOut]


# --- needs, resources, projects ------------------------------------------------------------------

class NeedIn(BaseModel):
    title: Line = Field(min_length=1, max_length=100)
    detail: Text = Field(default="", max_length=2000)
    source: Literal["resident", "committee", "unit"] = "committee"
    unit_id: Id | None = Field(default=None, ge=1)
    suggestion_id: Id | None = Field(default=None, ge=1)


class AnswerIn(BaseModel):
    answer: Text = Field(min_length=1, max_length=2000)


class NeedOut(BaseModel):
    id: int
    unit_id: int | None
    title: str
    detail: str
    source: str
    status: str
    answer: str
    answered_on: dt.date | None
    suggestion_id: int | None
    contact_id: int | None
    date: dt.date

    @classmethod
    def of(cls, n: UnitNeed) -> NeedOut:
        from meetingroom.units.service import local_date

        return cls(id=n.id, unit_id=n.unit_id, title=n.title, detail=n.detail, source=n.source,
                   status=n.status, answer=n.answer, answered_on=n.answered_on,
                   suggestion_id=n.suggestion_id, contact_id=n.contact_id,
                   date=local_date(n.created_at))


class NeedPage(Page):
    items: list[NeedOut]


class ResourceIn(BaseModel):
    title: Line = Field(min_length=1, max_length=100)
    detail: Text = Field(default="", max_length=1000)
    availability: Line = Field(default="", max_length=100)


class ResourceOut(BaseModel):
    id: int
    unit_id: int
    title: str
    detail: str
    availability: str
    date: dt.date

    @classmethod
    def of(cls, r: UnitResource) -> ResourceOut:
        from meetingroom.units.service import local_date

        return cls(id=r.id, unit_id=r.unit_id, title=r.title, detail=r.detail,
                   availability=r.availability, date=local_date(r.created_at))


class ResourcePage(Page):
    items: list[ResourceOut]


class ProjectIn(BaseModel):
    title: Line = Field(min_length=1, max_length=100)
    detail: Text = Field(default="", max_length=2000)
    need_id: Id | None = Field(default=None, ge=1)
    unit_ids: list[Id] = Field(default_factory=list, max_length=50)
    date: Day | None = Field(default=None, description="start; today when left out")


class ProjectPatch(BaseModel):
    status: Literal["planned", "in_progress", "done"]
    done_on: Day | None = Field(default=None, description="when done; today if left out")


class TakeOnIn(BaseModel):
    unit_id: Id
    resource_id: Id | None = Field(default=None, ge=1)


class ProjectUnitOut(BaseModel):
    unit_id: int
    resource_id: int | None


class ProjectOut(BaseModel):
    id: int
    need_id: int | None
    unit_ids: list[int]
    units: list[ProjectUnitOut]
    title: str
    detail: str
    status: str
    date: dt.date
    done_on: dt.date | None

    @classmethod
    def of(cls, p: UnitProject, takers) -> ProjectOut:
        return cls(id=p.id, need_id=p.need_id, unit_ids=[t.unit_id for t in takers],
                   units=[ProjectUnitOut(unit_id=t.unit_id, resource_id=t.resource_id)
                          for t in takers],
                   title=p.title, detail=p.detail, status=p.status, date=p.started_on,
                   done_on=p.done_on)


class ProjectPage(Page):
    items: list[ProjectOut]


# --- deeds ---------------------------------------------------------------------------------------

class DeedIn(BaseModel):
    title: Line = Field(min_length=1, max_length=100)
    date: Day
    beneficiaries: Line = Field(default="", max_length=200, description="for whom")
    detail: Text = Field(default="", max_length=2000)


class PhotoOut(BaseModel):
    id: int
    url: str
    thumb_url: str
    width: int
    height: int

    @classmethod
    def of(cls, p: Photo) -> PhotoOut:
        return cls(id=p.id, url=photos.url(p), thumb_url=photos.url(p, thumb=True),
                   width=p.width, height=p.height)


class DeedOut(BaseModel):
    id: int
    unit_id: int
    unit_name: str
    title: str
    detail: str
    date: dt.date
    beneficiaries: str
    project_id: int | None
    thanks: int
    thanked: bool = Field(description="whether the reader has thanked it")
    photos: list[PhotoOut]

    @classmethod
    def of(cls, d: UnitDeed, *, unit_name: str, pics: list[Photo], thanked: bool) -> DeedOut:
        return cls(id=d.id, unit_id=d.unit_id, unit_name=unit_name, title=d.title,
                   detail=d.detail, date=d.done_on, beneficiaries=d.beneficiaries,
                   project_id=d.project_id, thanks=d.thanks, thanked=thanked,
                   photos=[PhotoOut.of(p) for p in pics])


class DeedPage(Page):
    items: list[DeedOut]


class ThanksOut(BaseModel):
    deed_id: int
    thanks: int
    thanked: bool


# --- reports and reminders -----------------------------------------------------------------------

class ReportIn(BaseModel):
    member_id: int = Field(ge=1)
    year: int = Field(ge=2000, le=2100)
    text: Text = Field(min_length=1, max_length=20000)
    date: Day = Field(description="the day the report was given")


class ReportOut(BaseModel):
    id: int
    unit_id: int
    member_id: int
    member_name: str
    year: int
    text: str
    date: dt.date
    attachment_url: str | None
    attachment_name: str | None

    @classmethod
    def of(cls, r: UnitReport, member_name: str) -> ReportOut:
        return cls(id=r.id, unit_id=r.unit_id, member_id=r.member_id, member_name=member_name,
                   year=r.year, text=r.text, date=r.given_on,
                   attachment_url=f"/api/v1/reports/{r.id}/attachment" if r.attachment else None,
                   attachment_name=r.attachment_name or None)


class MissingReport(BaseModel):
    member_id: int
    member_name: str
    unit_id: int


class ReportPage(Page):
    items: list[ReportOut]
    missing: list[MissingReport] = Field(
        default_factory=list, description="with `year`: part-time members with no report (R5.3)")


class ReminderIn(BaseModel):
    date: Day
    held_by: Literal["committee", "higher_org", "authority"] = "committee"
    who: Line = Field(min_length=1, max_length=200)
    reason: Text = Field(min_length=1, max_length=1000)
    outcome: Line = Field(default="", max_length=2000)


class ReminderOut(BaseModel):
    id: int
    unit_id: int
    date: dt.date
    held_by: str
    who: str
    reason: str
    outcome: str

    @classmethod
    def of(cls, r: UnitReminder) -> ReminderOut:
        return cls(id=r.id, unit_id=r.unit_id, date=r.held_on, held_by=r.held_by, who=r.who,
                   reason=r.reason, outcome=r.outcome)


class ReminderPage(Page):
    items: list[ReminderOut]


# --- the board -----------------------------------------------------------------------------------

class UnitFlagOut(BaseModel):
    unit_id: int
    unit_name: str
    last_contact: dt.date | None
    no_contact_this_half_year: bool = Field(description="R5.1: none since the half year began")
    deeds_this_year: int
    no_deed_this_year: bool = Field(description="R5.2: flagged from 1 July on")
    reports_missing: list[PersonRef]
    propose_reminder: bool = Field(description="R5.3: missing contacts or deeds, and no "
                                   "reminder talk this half year")


class BoardOut(BaseModel):
    date: dt.date
    half_year_start: dt.date
    units: list[UnitFlagOut]
    unanswered_needs: list[NeedOut]
    unanswered_total: int
