"""API shapes for meetings, agenda items and tallies (CONTRACT.md). The objects themselves are
built by state.meeting_data / state.tally_data; these models document and check them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from meetingroom.labels import MeetingKind, MeetingStatus, Principle
from meetingroom.pagination import PageMeta
from meetingroom.types import Id, Line, When


class MeetingIn(BaseModel):
    kind: Literal["work", "joint"]
    title: Line = Field(min_length=1, max_length=100)
    starts_at: When
    location: Line = Field(default="", max_length=100)
    proposal_ids: list[Id] = Field(default_factory=list[Id], max_length=50)


class ConveneIn(BaseModel):
    """R4.3: an urgent proposal put to a meeting called at once."""

    proposal_id: Id
    kind: Literal["work", "joint"] = "work"
    title: Line = Field(default="", max_length=100)
    location: Line = Field(default="", max_length=100)


class AgendaAddIn(BaseModel):
    proposal_id: Id


class AgendaOrderIn(BaseModel):
    item_ids: list[Id] = Field(max_length=50)


class AttendanceIn(BaseModel):
    """Empty for yourself; the secretary names the member."""

    user_id: Id | None = None


class ObserverIn(BaseModel):
    name: Line = Field(min_length=1, max_length=50)
    role: Line = Field(min_length=1, max_length=50)


class VoteOpenIn(BaseModel):
    secret: bool = False


class BallotIn(BaseModel):
    choice: Literal["agree", "oppose", "abstain"]


class HandsIn(BaseModel):
    agree: int = Field(ge=0, le=1000)
    oppose: int = Field(ge=0, le=1000)
    abstain: int = Field(ge=0, le=1000)


class QuorumOut(BaseModel):
    required: int
    met: bool
    rule: str = Field(description='R7.1\'s text with the numbers, starting "R7.1: "')


class WarningOut(BaseModel):
    rule: str
    message: str


class AgendaItemOut(BaseModel):
    id: int
    proposal_id: Id
    title: str
    principle: Principle
    position: int
    vote_status: Literal["pending", "open", "closed"]
    method: Literal["ballot", "secret", "hands"]
    outcome: Literal["pending", "adopted", "rejected"]


class MemberOut(BaseModel):
    id: int
    name: str
    present: bool


class ObserverOut(BaseModel):
    id: int
    name: str
    role: str


class AdoptionOut(BaseModel):
    rule: Literal["inclusive_half", "strict_majority"]
    base: Literal["present", "seated"]
    frozen: bool = Field(description="true once the meeting opened: the settings then decide "
                                     "(a later change of the community's settings does not)")


class MeetingOut(BaseModel):
    id: int
    kind: Literal["work", "joint"]
    title: str
    starts_at: str
    location: str
    status: Literal["scheduled", "open", "closed"]
    seq: int = Field(description="the live feed's sequence number this object reflects")
    seated: int = Field(description="S: seated members, frozen when the meeting opened")
    present: int = Field(description="P: members seated when the meeting opened who are "
                                     "checked in now")
    quorum: QuorumOut
    warnings: list[WarningOut]
    current_item_id: int | None
    open_item_id: int | None
    agenda: list[AgendaItemOut]
    members: list[MemberOut] = Field(description="the members who count: seated when the "
                                                 "meeting opened (all seated before)")
    without_vote: list[MemberOut] = Field(description="seated after the meeting opened: they "
                                                      "attend without a vote in it (R7.5)")
    adoption: AdoptionOut = Field(description="the R7.4 settings in force for this meeting")
    observers: list[ObserverOut]
    opened_at: str | None
    closed_at: str | None


class TallyOut(BaseModel):
    item_id: int
    status: Literal["pending", "open", "closed"]
    method: Literal["ballot", "secret", "hands"]
    secret: bool
    agree: int | None = Field(description="null while a secret ballot is open (R7.6)")
    oppose: int | None
    abstain: int | None
    cast: int
    not_voted: int
    eligible: int = Field(description="P for this item")
    seated: int
    needed: int = Field(description="agree votes needed to adopt (R7.2–R7.4)")
    rule: str = Field(description='the adoption rule with the numbers, starting "R7.x: "')
    outcome: Literal["pending", "adopted", "rejected"]
    voted_ids: list[int] | None = Field(description="who voted, for open ballots only")
    opened_at: str | None
    closed_at: str | None


class MeetingSummary(BaseModel):
    id: int
    kind: MeetingKind
    title: str
    starts_at: str
    location: str
    status: MeetingStatus


class MeetingPage(PageMeta):
    items: list[MeetingSummary]
