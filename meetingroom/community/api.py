"""/api/v1 committee (member units: meetingroom/units/api.py)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from meetingroom.community import service
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity
from meetingroom.i18n import gettext
from meetingroom.labels import Seat

router = APIRouter(tags=["committee"])


class MemberOut(BaseModel):
    id: int
    name: str
    seat: Seat
    unit: int | None
    unit_name: str | None


class WarningOut(BaseModel):
    rule: str
    message: str


class CommitteeOut(BaseModel):
    members: list[MemberOut]
    seated: int
    warnings: list[WarningOut]


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
