"""Step 2 (班子成员提议, R4.1): seated committee members read new suggestions in their inbox,
sponsor one or several of them as a proposal with a principle (R4.3), co-sponsor proposals, or
decline a suggestion with a reason the resident sees. Members may also propose on their own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session, col, select

from meetingroom import audit
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from meetingroom.labels import N_
from meetingroom.models import Cosponsor, Proposal, Resolution, Suggestion, Support, User
from meetingroom.models.proposal import PRINCIPLES
from meetingroom.notifications import notify
from meetingroom.pagination import Order, Page, paginate
from meetingroom.suggestions.service import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    clean_text,
    get_suggestion,
    may_see_hidden,
)

PROPOSAL_STATUSES = ("open", "on_agenda", "adopted", "rejected", "withdrawn")
MAX_SUGGESTIONS = 20  # duplicates folded into one proposal; more than this is a mistake


def require_member(actor: User | None) -> User:
    """Only seated committee members propose, co-sponsor or decline (R4.1 step 2)."""
    if actor is None:
        raise NotAuthenticated()
    if not actor.seat or not actor.is_active:
        raise Forbidden("Only seated committee members may do this.", rule="R4.1")
    return actor


INBOX = Order("inbox", Suggestion.created_at, Suggestion.id)
NEWEST = Order("newest", col(Proposal.created_at).desc(), col(Proposal.id).desc())


def inbox(session: Session, *, actor: User | None, limit: int = 20, offset: int = 0,
          cursor: str | None = None) -> Page[Suggestion]:
    """New suggestions waiting for a member, oldest first."""
    require_member(actor)
    stmt = select(Suggestion).where(Suggestion.community_id == actor.community_id,
                                    Suggestion.status == "submitted",
                                    Suggestion.hidden == sa.false())
    return paginate(session, stmt, INBOX, limit=limit, offset=offset, cursor=cursor)


def sponsor(session: Session, *, actor: User | None, title: str, body: str, principle: str,
            draft_resolution: str = "", suggestion_ids: Iterable[int] = ()) -> Proposal:
    """A member sponsors suggestions (none, one, or several duplicates) as one proposal."""
    require_member(actor)
    title = clean_text(title, field="title", max_len=TITLE_MAX, required=True,
                       empty_message=N_("Give the proposal a title."))
    body = clean_text(body, field="body", max_len=BODY_MAX, required=True,
                      empty_message=N_("Describe the proposal."))
    draft = clean_text(draft_resolution, field="draft_resolution", max_len=BODY_MAX)
    if principle not in PRINCIPLES:
        raise Invalid("Choose one of the four principles.", field="principle", rule="R4.3")
    ids = sorted(set(suggestion_ids or ()))
    if len(ids) > MAX_SUGGESTIONS:
        raise Invalid("At most {n} suggestions in one proposal.", field="suggestion_ids",
                      n=MAX_SUGGESTIONS)
    suggestions = [get_suggestion(session, viewer=actor, community_id=actor.community_id,
                                  suggestion_id=i, for_update=True) for i in ids]
    for s in suggestions:
        if s.status != "submitted" or s.hidden:
            raise Conflict("“{title}” was already sponsored or declined.", title=s.title)
    proposal = Proposal(community_id=actor.community_id, sponsor_id=actor.id, title=title,
                        body=body, draft_resolution=draft, principle=principle)
    session.add(proposal)
    session.flush()
    if ids:
        # Only suggestions still waiting change: a member who sponsored or declined one a moment
        # earlier wins, and this whole proposal is refused rather than half made.
        result = session.exec(update(Suggestion).where(
            col(Suggestion.id).in_(ids), Suggestion.status == "submitted",
            Suggestion.hidden == sa.false()).values(status="sponsored", proposal_id=proposal.id))
        if result.rowcount != len(ids):
            raise Conflict("A suggestion was sponsored or declined meanwhile; please reload.")
        for s in suggestions:
            session.refresh(s)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="proposal.create", entity="proposal", entity_id=proposal.id,
                 principle=principle, suggestion_ids=ids)
    for s in suggestions:
        _tell_followers(session, s, actor=actor,
                        to_author=N_("Your suggestion “{title}” was sponsored as a proposal by "
                                     "a committee member."),
                        to_supporters=N_("A suggestion you support, “{title}”, was sponsored "
                                         "as a proposal."))
    return proposal


def decline_suggestion(session: Session, *, actor: User | None, suggestion_id: int,
                       reason: str) -> Suggestion:
    """A member declines a suggestion with a reason the resident sees."""
    require_member(actor)
    reason = clean_text(reason, field="reason", max_len=REASON_MAX, required=True,
                        empty_message=N_("Tell the resident why."))
    s = get_suggestion(session, viewer=actor, community_id=actor.community_id,
                       suggestion_id=suggestion_id, for_update=True)
    result = session.exec(update(Suggestion).where(
        Suggestion.id == s.id, Suggestion.status == "submitted").values(
        status="declined", decline_reason=reason))
    if not result.rowcount:
        raise Conflict("This suggestion was already sponsored or declined.")
    session.refresh(s)
    audit.record(session, community_id=s.community_id, actor_id=actor.id,
                 action="suggestion.decline", entity="suggestion", entity_id=s.id,
                 reason=reason)
    _tell_followers(session, s, actor=actor,
                    to_author=N_("Your suggestion “{title}” was declined. Reason: {reason}"),
                    to_supporters=N_("A suggestion you support, “{title}”, was declined. "
                                     "Reason: {reason}"), reason=reason)
    return s


def _tell_followers(session: Session, s: Suggestion, *, actor: User, to_author: str,
                    to_supporters: str, **params) -> None:
    link = f"/suggestions/{s.id}"
    notify(session, community_id=s.community_id, user_ids=[s.author_id], message=to_author,
           link=link, exclude=actor.id, title=s.title, **params)
    supporters = session.exec(select(Support.user_id).where(Support.suggestion_id == s.id)).all()
    notify(session, community_id=s.community_id, user_ids=set(supporters) - {s.author_id},
           message=to_supporters, link=link, exclude=actor.id, title=s.title, **params)


def cosponsor(session: Session, *, actor: User | None, proposal_id: int) -> Proposal:
    """Another member co-sponsors a proposal still waiting for its decision; again is a no-op."""
    require_member(actor)
    proposal = get_proposal(session, community_id=actor.community_id, proposal_id=proposal_id)
    if proposal.sponsor_id == actor.id:
        raise Conflict("You sponsored this proposal yourself.")
    if proposal.status not in ("open", "on_agenda"):
        raise Conflict("This proposal has been decided or withdrawn.")
    if session.exec(select(Cosponsor.id).where(Cosponsor.proposal_id == proposal.id,
                                               Cosponsor.user_id == actor.id)).first():
        return proposal
    if not insert_once(session, Cosponsor(proposal_id=proposal.id, user_id=actor.id)):
        return proposal
    audit.record(session, community_id=proposal.community_id, actor_id=actor.id,
                 action="proposal.cosponsor", entity="proposal", entity_id=proposal.id)
    notify(session, community_id=proposal.community_id, user_ids=[proposal.sponsor_id],
           message=N_("{name} co-sponsored your proposal “{title}”."),
           link=f"/proposals/{proposal.id}", name=actor.name, title=proposal.title)
    return proposal


def get_proposal(session: Session, *, community_id: int, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.community_id != community_id:
        raise NotFound("No such proposal.")
    return proposal


def list_proposals(session: Session, *, community_id: int, status: str | None = None,
                   principle: str | None = None, limit: int = 20, offset: int = 0,
                   cursor: str | None = None) -> Page[Proposal]:
    """Public list of proposals, newest first."""
    if status and status not in PROPOSAL_STATUSES:
        raise Invalid("Unknown status.", field="status")
    if principle and principle not in PRINCIPLES:
        raise Invalid("Choose one of the four principles.", field="principle", rule="R4.3")
    stmt = select(Proposal).where(Proposal.community_id == community_id)
    if status:
        stmt = stmt.where(Proposal.status == status)
    if principle:
        stmt = stmt.where(Proposal.principle == principle)
    return paginate(session, stmt, NEWEST, limit=limit, offset=offset, cursor=cursor)


@dataclass
class ProposalView:
    proposal: Proposal
    sponsor_name: str
    cosponsors: list[User] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)  # the ones this viewer may see
    resolution_id: int | None = None

    @property
    def id(self) -> int:
        return self.proposal.id


def views(session: Session, proposals: Iterable[Proposal], *,
          viewer: User | None = None) -> list[ProposalView]:
    """Sponsor, co-sponsors, the suggestions behind each proposal and its resolution (R4.2)."""
    proposals = list(proposals)
    if not proposals:
        return []
    ids = [p.id for p in proposals]
    cos: dict[int, list[int]] = {}
    for c in session.exec(select(Cosponsor).where(Cosponsor.proposal_id.in_(ids))
                          .order_by(Cosponsor.id)).all():
        cos.setdefault(c.proposal_id, []).append(c.user_id)
    user_ids = {p.sponsor_id for p in proposals} | {u for v in cos.values() for u in v}
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids))).all()}
    sugg: dict[int, list[Suggestion]] = {}
    for s in session.exec(select(Suggestion).where(Suggestion.proposal_id.in_(ids))
                          .order_by(Suggestion.id)).all():
        if not s.hidden or may_see_hidden(viewer, s):
            sugg.setdefault(s.proposal_id, []).append(s)
    resolutions = {}
    for rid, pid in session.exec(select(Resolution.id, Resolution.proposal_id).where(
            col(Resolution.proposal_id).in_(ids)).order_by(Resolution.id)).all():
        resolutions[pid] = rid
    return [ProposalView(proposal=p, sponsor_name=users[p.sponsor_id].name,
                         cosponsors=[users[u] for u in cos.get(p.id, [])],
                         suggestions=sugg.get(p.id, []), resolution_id=resolutions.get(p.id))
            for p in proposals]


def view(session: Session, proposal: Proposal, *, viewer: User | None) -> ProposalView:
    return views(session, [proposal], viewer=viewer)[0]
