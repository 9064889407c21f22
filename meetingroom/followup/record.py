"""The public record of one matter (R4.2, 四议两公开): its whole story across the four steps.

suggestions (with supports) → the proposal, its principle, sponsor and co-sponsors → each meeting
that had it on the agenda (kind, date, attendance P/S, the tally and outcome) → the resolution →
its progress updates → the ratings. Keyed by the proposal, the one thing every step links to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from meetingroom.errors import NotFound
from meetingroom.followup import service
from meetingroom.models import (
    AgendaItem,
    Attendance,
    Cosponsor,
    Meeting,
    Proposal,
    Resolution,
    Suggestion,
    User,
)


@dataclass
class SuggestionStep:
    suggestion: Suggestion
    author: str | None  # shown only when the author chose so
    supporters: int


@dataclass
class MeetingStep:
    meeting: Meeting
    item: AgendaItem
    present: int | None  # P when the vote opened
    seated: int | None  # S


@dataclass
class Matter:
    proposal: Proposal
    sponsor: str
    cosponsors: list[str]
    suggestions: list[SuggestionStep]
    meetings: list[MeetingStep]
    resolutions: list[service.ResolutionView]
    comments: dict[int, list[service.RatingComment]]

    @property
    def steps(self) -> list[str]:
        """The steps this matter has reached, in order (anchors on the page)."""
        reached = []
        if self.suggestions:
            reached.append("suggestions")
        reached.append("proposal")
        if self.meetings:
            reached.append("meeting")
        if self.resolutions:
            reached.append("resolution")
            if any(v.progress for v in self.resolutions):
                reached.append("progress")
            if any(v.rating.count for v in self.resolutions):
                reached.append("ratings")
        return reached


def matter(session: Session, *, community_id: int, proposal_id: int,
           viewer: User | None = None) -> Matter:
    """Gather one matter's story; 404 for a proposal of another community."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.community_id != community_id:
        raise NotFound("No such matter.")
    names = {}

    def name_of(user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in names:
            user = session.get(User, user_id)
            names[user_id] = user.name if user else ""
        return names[user_id]

    cosponsors = [name_of(uid) for uid in session.exec(
        select(Cosponsor.user_id).where(Cosponsor.proposal_id == proposal.id)
        .order_by(Cosponsor.created_at, Cosponsor.id)).all()]

    suggestions = []
    for s in session.exec(select(Suggestion).where(Suggestion.proposal_id == proposal.id)
                          .order_by(Suggestion.created_at, Suggestion.id)).all():
        author = (s.on_behalf_name or name_of(s.author_id)) if s.show_name else None
        suggestions.append(SuggestionStep(s, author, s.supporters))

    meetings = []
    rows = session.exec(select(AgendaItem, Meeting)
                        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                        .where(AgendaItem.proposal_id == proposal.id)
                        .order_by(Meeting.starts_at, AgendaItem.id)).all()
    for item, meeting in rows:
        present = item.present_at_open
        if present is None:
            present = session.exec(select(func.count()).select_from(Attendance).where(
                Attendance.meeting_id == meeting.id, Attendance.present)).one()
        seated = item.seated_at_open if item.seated_at_open is not None else meeting.seated_at_open
        meetings.append(MeetingStep(meeting, item, present, seated))

    resolutions = list(session.exec(select(Resolution).where(
        Resolution.proposal_id == proposal.id).order_by(Resolution.id)).all())
    views = service.describe(session, resolutions)
    comments = {v.resolution.id: service.list_ratings(session, resolution=v.resolution,
                                                      viewer=viewer, limit=20).items
                for v in views}
    return Matter(proposal=proposal, sponsor=name_of(proposal.sponsor_id), cosponsors=cosponsors,
                  suggestions=suggestions, meetings=meetings, resolutions=views,
                  comments=comments)
