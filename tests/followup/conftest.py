"""Factories for step 4. The meeting, suggestion and proposal services are built elsewhere, so
these write the rows directly, the way those services leave them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlmodel import Session

from meetingroom.followup import service
from meetingroom.models import (
    AgendaItem,
    Attendance,
    Cosponsor,
    Meeting,
    Proposal,
    Rating,
    Resolution,
    Suggestion,
    Support,
    User,
    utcnow,
)


def fresh(session: Session) -> None:
    """See what requests committed since: end this session's read snapshot (SQLite keeps one
    per transaction) and forget what it loaded."""
    session.rollback()
    session.expire_all()


def today() -> date:
    return service.local_today()


def png(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass
class Matter:
    """A whole chain: suggestion(s) → proposal → meeting item → resolution."""

    members: list[User]
    author: User
    supporters: list[User]
    suggestion: Suggestion
    proposal: Proposal
    meeting: Meeting
    item: AgendaItem
    resolution: Resolution


class Chain:
    def __init__(self, session: Session, factory):
        self.session = session
        self.factory = factory
        self.community = factory.community
        self._members: list[User] | None = None

    def _save(self, *rows):
        for row in rows:
            self.session.add(row)
        self.session.commit()
        return rows[0] if len(rows) == 1 else rows

    @property
    def members(self) -> list[User]:
        if self._members is None:
            self._members = self.factory.committee(9)
        return self._members

    def proposal(self, *, sponsor: User | None = None, title="为3号楼加装电梯",
                 principle="practical", status="adopted", cosponsors=(),
                 created_at: datetime | None = None) -> Proposal:
        p = Proposal(community_id=self.community.id,
                     sponsor_id=(sponsor or self.members[0]).id, title=title,
                     body="居民反映3号楼老人上下楼困难。", principle=principle, status=status)
        if created_at:
            p.created_at = created_at
        self._save(p)
        for u in cosponsors:
            self._save(Cosponsor(proposal_id=p.id, user_id=u.id))
        return p

    def suggestion(self, *, author: User, proposal: Proposal | None = None,
                   title="3号楼需要电梯", supporters=(), show_name=False) -> Suggestion:
        s = Suggestion(community_id=self.community.id, author_id=author.id, title=title,
                       body="老人上楼太难了。", status="sponsored" if proposal else "submitted",
                       proposal_id=proposal.id if proposal else None,
                       supporters=len(supporters), show_name=show_name)
        self._save(s)
        for u in supporters:
            self._save(Support(suggestion_id=s.id, user_id=u.id))
        return s

    def meeting(self, *, kind="work", starts_at: datetime | None = None, status="closed",
                present: list[User] | None = None, title="三月工作会议") -> Meeting:
        starts_at = starts_at or utcnow() - timedelta(days=40)
        m = Meeting(community_id=self.community.id, kind=kind, title=title,
                    starts_at=starts_at, status=status,
                    seated_at_open=len(self.members) if status != "scheduled" else None,
                    opened_at=starts_at if status != "scheduled" else None)
        self._save(m)
        for u in present if present is not None else (self.members[:7] if status != "scheduled"
                                                      else []):
            self._save(Attendance(meeting_id=m.id, user_id=u.id))
        return m

    def item(self, *, meeting: Meeting, proposal: Proposal, agree=6, oppose=1, abstain=0,
             outcome="adopted", vote_status="closed", method="ballot") -> AgendaItem:
        return self._save(AgendaItem(
            community_id=self.community.id, meeting_id=meeting.id, proposal_id=proposal.id,
            vote_status=vote_status, method=method, agree=agree, oppose=oppose, abstain=abstain,
            present_at_open=7, seated_at_open=len(self.members), outcome=outcome,
            rule_text="R7.3: 到会委员半数以上同意", closed_at=utcnow()))

    def resolution(self, *, title="为3号楼加装电梯", status="not_started", percent=0,
                   deadline: date | None = None, responsible_user: User | None = None,
                   responsible="", ratings_opened_at: datetime | None = None,
                   proposal: Proposal | None = None, principle="practical",
                   created_at: datetime | None = None) -> Resolution:
        proposal = proposal or self.proposal(title=title, principle=principle)
        meeting = self.meeting()
        item = self.item(meeting=meeting, proposal=proposal)
        r = Resolution(community_id=self.community.id, item_id=item.id, proposal_id=proposal.id,
                       title=title, text="年内完成电梯加装。", status=status, percent=percent,
                       deadline=deadline, responsible=responsible or (
                           responsible_user.name if responsible_user else ""),
                       responsible_user_id=responsible_user.id if responsible_user else None,
                       ratings_opened_at=ratings_opened_at)
        if created_at:
            r.created_at = created_at
        return self._save(r)

    def done(self, **kw) -> Resolution:
        """A resolution done an hour ago: ratings open."""
        kw.setdefault("ratings_opened_at", utcnow() - timedelta(hours=1))
        return self.resolution(status="done", percent=100, **kw)

    def rating(self, resolution: Resolution, user: User, score: int, comment="",
               group: str | None = None) -> Rating:
        return self._save(Rating(
            community_id=self.community.id, resolution_id=resolution.id, user_id=user.id,
            group=group or ("party_member" if user.is_party_member else "resident"),
            score=score, comment=comment))

    def matter(self) -> Matter:
        members = self.members
        author = self.factory.user("王阿姨")
        supporters = [self.factory.user("李大爷"), self.factory.user("赵老师", party_member=True)]
        proposal = self.proposal(sponsor=members[2], cosponsors=[members[3]])
        suggestion = self.suggestion(author=author, proposal=proposal, supporters=supporters,
                                     show_name=True)
        meeting = self.meeting(title="三月工作会议")
        item = self.item(meeting=meeting, proposal=proposal)
        r = Resolution(community_id=self.community.id, item_id=item.id, proposal_id=proposal.id,
                       title=proposal.title, text="年内完成电梯加装。",
                       responsible=members[1].name, responsible_user_id=members[1].id,
                       deadline=today() + timedelta(days=60))
        self._save(r)
        return Matter(members, author, supporters, suggestion, proposal, meeting, item, r)


@pytest.fixture
def chain(session, factory) -> Chain:
    return Chain(session, factory)


@pytest.fixture
def clock(monkeypatch):
    """Pin "now" for step 4 (deadlines, rating windows, the dashboard's year)."""

    def set_now(when: datetime):
        monkeypatch.setattr(service, "now", lambda: when.astimezone(UTC))
        return when

    return set_now
