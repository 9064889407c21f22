"""API shapes for step 4 (CONTRACT.md: resolutions, progress, ratings) and the dashboard."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from meetingroom import photos
from meetingroom.followup import service
from meetingroom.i18n import gettext
from meetingroom.labels import MeetingKind, Principle, ProposalStatus, SuggestionStatus
from meetingroom.pagination import PageMeta
from meetingroom.types import Day, Id, Line, Text

Status = Literal["not_started", "in_progress", "done", "delayed"]
Group = Literal["party_member", "resident"]


class PhotoOut(BaseModel):
    id: int
    url: str
    thumb_url: str
    width: int
    height: int


class ProgressOut(BaseModel):
    id: int
    status: Status
    percent: int
    note: str
    author_id: int
    author_name: str
    created_at: datetime
    photos: list[PhotoOut]

    @classmethod
    def of(cls, entry: service.ProgressEntry) -> ProgressOut:
        u = entry.update
        return cls(id=u.id, status=u.status, percent=u.percent, note=u.note,
                   author_id=u.author_id, author_name=entry.author_name,
                   created_at=service.aware(u.created_at),
                   photos=[PhotoOut(id=p.id, url=photos.url(p), thumb_url=photos.url(p, thumb=True),
                                    width=p.width, height=p.height) for p in entry.photos])


class GroupSummaryOut(BaseModel):
    count: int
    average: float | None
    distribution: dict[str, int] = Field(description='ratings per score, keys "1" to "5"')

    @classmethod
    def of(cls, g: service.GroupSummary) -> GroupSummaryOut:
        return cls(count=g.count, average=g.average,
                   distribution={str(k): v for k, v in sorted(g.distribution.items())})


class RatingSummaryOut(BaseModel):
    party_members: GroupSummaryOut
    residents: GroupSummaryOut

    @classmethod
    def of(cls, s: service.RatingSummary) -> RatingSummaryOut:
        return cls(party_members=GroupSummaryOut.of(s.party_members),
                   residents=GroupSummaryOut.of(s.residents))


class RatingWindowOut(BaseModel):
    state: Literal["not_yet", "open", "closed"]
    opens_at: datetime | None
    closes_at: datetime | None


class ResolutionOut(BaseModel):
    id: int
    title: str
    text: str
    item_id: int
    meeting_id: int | None
    proposal_id: int
    principle: Principle
    suggestion_ids: list[int]
    responsible: str
    responsible_user_id: int | None
    deadline: date | None
    status: Status
    percent: int
    overdue: bool
    created_at: datetime
    ratings: RatingWindowOut
    progress: list[ProgressOut]
    rating: RatingSummaryOut

    @classmethod
    def of(cls, v: service.ResolutionView) -> ResolutionOut:
        r = v.resolution
        return cls(id=r.id, title=r.title, text=r.text, item_id=r.item_id,
                   meeting_id=v.meeting_id, proposal_id=r.proposal_id, principle=v.principle,
                   suggestion_ids=v.suggestion_ids, responsible=r.responsible,
                   responsible_user_id=r.responsible_user_id, deadline=r.deadline,
                   status=r.status, percent=r.percent, overdue=v.overdue,
                   created_at=service.aware(r.created_at),
                   ratings=RatingWindowOut(state=v.window.state, opens_at=v.window.opens_at,
                                           closes_at=v.window.closes_at),
                   progress=[ProgressOut.of(e) for e in v.progress],
                   rating=RatingSummaryOut.of(v.rating))


class ResolutionPage(PageMeta):
    items: list[ResolutionOut]


class ResolutionPatch(BaseModel):
    text: Text | None = Field(default=None, max_length=service.MAX_TEXT)
    responsible: Line | None = Field(default=None, max_length=service.MAX_RESPONSIBLE,
                                    description="a person's or a unit's name")
    responsible_user_id: Id | None = Field(default=None, description="null clears")
    deadline: Day | None = Field(default=None, description="YYYY-MM-DD; null clears")


class ProgressIn(BaseModel):
    status: Status
    percent: int = Field(ge=0, le=100)
    note: Text = Field(default="", max_length=service.MAX_NOTE)


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, description="1 不满意 … 5 非常满意")
    comment: Text = Field(default="", max_length=service.MAX_COMMENT)


class MyRatingOut(BaseModel):
    id: int
    score: int
    comment: str
    group: Group
    hidden: bool
    updated_at: datetime


class RatingResult(RatingSummaryOut):
    """PUT …/rating: the summary after this rating, and the rating itself."""

    mine: MyRatingOut


class CommentOut(BaseModel):
    id: int
    score: int
    comment: str
    group: Group
    author: str = Field(description="first character of the rater's name")
    hidden: bool
    report_count: int | None = Field(default=None, description="secretary only")
    updated_at: datetime


class CommentPage(PageMeta):
    items: list[CommentOut]


class ReportIn(BaseModel):
    reason: Literal["abuse", "personal", "spam", "off_topic"]


class ReasonIn(BaseModel):
    reason: Text = Field(default="", max_length=500)


class ModerationOut(BaseModel):
    id: int
    hidden: bool
    report_count: int


def my_rating_out(rating) -> MyRatingOut:
    return MyRatingOut(id=rating.id, score=rating.score, comment=rating.comment,
                       group=rating.group, hidden=rating.hidden,
                       updated_at=service.aware(rating.updated_at))


# --- the dashboard -----------------------------------------------------------------------------

class MonthOut(BaseModel):
    year: int
    month: int
    held: int
    scheduled: int
    state: Literal["held", "scheduled", "missing", "future", "before"]


class WaitingOut(BaseModel):
    id: int
    title: str
    principle: Principle
    days_waiting: int


class OverdueOut(BaseModel):
    id: int
    title: str
    deadline: date
    days_overdue: int
    status: Status
    percent: int


class LowRatedOut(BaseModel):
    id: int
    title: str
    average: float
    count: int


class WarningOut(BaseModel):
    rule: str
    message: str


class WaitingPage(BaseModel):
    total: int
    items: list[WaitingOut]


class OverduePage(BaseModel):
    total: int
    items: list[OverdueOut]


class DashboardOut(BaseModel):
    year: int
    months: list[MonthOut]
    months_without_meeting: list[int]
    proposals_waiting: WaitingPage
    resolutions_overdue: OverduePage
    lowest_rated: list[LowRatedOut]
    resolutions_by_status: dict[str, int]
    seated: int
    roster_warnings: list[WarningOut]

    @classmethod
    def of(cls, d) -> DashboardOut:
        return cls(
            year=d.year,
            months=[MonthOut(year=m.year, month=m.month, held=m.held, scheduled=m.scheduled,
                             state=m.state) for m in d.months],
            months_without_meeting=d.months_without_meeting,
            proposals_waiting=WaitingPage(total=d.waiting_total, items=[
                WaitingOut(id=w.proposal.id, title=w.proposal.title,
                           principle=w.proposal.principle, days_waiting=w.days)
                for w in d.waiting]),
            resolutions_overdue=OverduePage(total=d.overdue_total, items=[
                OverdueOut(id=o.resolution.id, title=o.resolution.title,
                           deadline=o.resolution.deadline, days_overdue=o.days,
                           status=o.resolution.status, percent=o.resolution.percent)
                for o in d.overdue]),
            lowest_rated=[LowRatedOut(id=low.resolution.id, title=low.resolution.title,
                                      average=low.average, count=low.count)
                          for low in d.lowest_rated],
            resolutions_by_status=d.by_status,
            seated=d.seated,
            roster_warnings=[WarningOut(rule=w.rule, message=gettext(w.message, **w.params))
                             for w in d.warnings])


# --- the public record of a matter (R4.2) --------------------------------------------------------

class MatterSuggestionOut(BaseModel):
    id: int
    title: str
    status: SuggestionStatus
    supporters: int
    author: str | None = Field(description="only when the author chose to show his name")
    created_at: datetime


class MatterProposalOut(BaseModel):
    id: int
    title: str
    body: str
    principle: Principle
    status: ProposalStatus
    sponsor: str
    cosponsors: list[str]
    created_at: datetime


class MatterMeetingOut(BaseModel):
    id: int
    kind: MeetingKind
    title: str
    starts_at: datetime
    item_id: int
    present: int | None
    seated: int | None
    method: str
    agree: int | None = Field(description="null while the vote is not closed")
    oppose: int | None
    abstain: int | None
    outcome: str
    rule: str


class MatterOut(BaseModel):
    proposal_id: int
    steps: list[str]
    suggestions: list[MatterSuggestionOut]
    proposal: MatterProposalOut
    meetings: list[MatterMeetingOut]
    resolutions: list[ResolutionOut]

    @classmethod
    def of(cls, m) -> MatterOut:
        p = m.proposal
        return cls(
            proposal_id=p.id, steps=m.steps,
            suggestions=[MatterSuggestionOut(
                id=s.suggestion.id, title=s.suggestion.title if not s.suggestion.hidden else "",
                status=s.suggestion.status, supporters=s.supporters, author=s.author,
                created_at=service.aware(s.suggestion.created_at)) for s in m.suggestions],
            proposal=MatterProposalOut(id=p.id, title=p.title, body=p.body,
                                       principle=p.principle, status=p.status,
                                       sponsor=m.sponsor, cosponsors=m.cosponsors,
                                       created_at=service.aware(p.created_at)),
            meetings=[MatterMeetingOut(
                id=s.meeting.id, kind=s.meeting.kind, title=s.meeting.title,
                starts_at=service.aware(s.meeting.starts_at), item_id=s.item.id,
                present=s.present, seated=s.seated, method=s.item.method,
                agree=s.item.agree if s.item.vote_status == "closed" else None,
                oppose=s.item.oppose if s.item.vote_status == "closed" else None,
                abstain=s.item.abstain if s.item.vote_status == "closed" else None,
                outcome=s.item.outcome, rule=s.item.rule_text) for s in m.meetings],
            resolutions=[ResolutionOut.of(v) for v in m.resolutions])
