"""/api/v1 committee and member units."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from meetingroom.community import service
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser
from meetingroom.i18n import gettext

router = APIRouter(tags=["committee"])


class MemberOut(BaseModel):
    id: int
    name: str
    seat: str
    unit: int | None
    unit_name: str | None


class WarningOut(BaseModel):
    rule: str
    message: str


class CommitteeOut(BaseModel):
    members: list[MemberOut]
    seated: int
    warnings: list[WarningOut]


class UnitIn(BaseModel):
    name: str = Field(max_length=100)
    kind: str = Field(default="other", max_length=30)
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=20)


class UnitOut(UnitIn):
    id: int


@router.get("/committee", response_model=CommitteeOut,
            summary="The seated committee members (S) and the R1 roster warnings")
def committee(session: SessionDep, community: CurrentCommunity):
    c = service.committee(session, community.id)
    return CommitteeOut(
        members=[MemberOut(id=m.id, name=m.name, seat=m.seat, unit=m.unit_id,
                           unit_name=c.units[m.unit_id].name if m.unit_id in c.units else None)
                 for m in c.members],
        seated=c.seated,
        warnings=[WarningOut(rule=w.rule, message=gettext(w.message, **w.params))
                  for w in c.warnings])


@router.get("/units", response_model=list[UnitOut], summary="Member units (成员单位)")
def units(session: SessionDep, community: CurrentCommunity):
    return [UnitOut(**u.model_dump()) for u in service.list_units(session, community.id)]


@router.post("/units", response_model=UnitOut, status_code=201,
             summary="Add a member unit (secretary)")
def add_unit(body: UnitIn, user: CurrentUser, session: SessionDep):
    unit = service.add_unit(session, actor=user, **body.model_dump())
    return UnitOut(**unit.model_dump())


@router.put("/units/{unit_id}", response_model=UnitOut, summary="Edit a member unit (secretary)")
def update_unit(unit_id: int, body: UnitIn, user: CurrentUser, session: SessionDep):
    unit = service.update_unit(session, actor=user, unit_id=unit_id, **body.model_dump())
    return UnitOut(**unit.model_dump())
