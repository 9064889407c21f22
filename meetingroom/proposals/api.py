"""/api/v1 proposals, the members' inbox and declining suggestions (CONTRACT.md)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser, OptionalUser
from meetingroom.labels import Principle, ProposalStatus
from meetingroom.pagination import CursorQuery
from meetingroom.proposals import service
from meetingroom.proposals.schemas import ProposalIn, ProposalOut, ProposalPage
from meetingroom.suggestions import service as suggestions
from meetingroom.suggestions.schemas import ReasonIn, SuggestionOut, SuggestionPage
from meetingroom.types import Id, Offset

router = APIRouter(tags=["proposals"])


@router.get("/inbox", response_model=SuggestionPage,
            summary="New suggestions for seated committee members, oldest first")
def inbox(session: SessionDep, user: CurrentUser, limit: int = Query(20, ge=1, le=100),
          offset: Offset = Query(0), cursor: CursorQuery = None):
    page = service.inbox(session, actor=user, limit=limit, offset=offset, cursor=cursor)
    return SuggestionPage(items=[SuggestionOut.of(v) for v in
                                 suggestions.views(session, page.items, viewer=user)],
                          **page.meta())


@router.post("/suggestions/{suggestion_id}/decline", response_model=SuggestionOut,
             summary="Decline a suggestion with a reason the resident sees (committee member)")
def decline(suggestion_id: Id, body: ReasonIn, session: SessionDep, user: CurrentUser):
    s = service.decline_suggestion(session, actor=user, suggestion_id=suggestion_id,
                                   reason=body.reason)
    return SuggestionOut.of(suggestions.view(session, s, viewer=user))


@router.post("/proposals", response_model=ProposalOut, status_code=201,
             summary="Sponsor a proposal, from suggestions or on one's own (committee member)")
def create(body: ProposalIn, session: SessionDep, user: CurrentUser):
    proposal = service.sponsor(session, actor=user, title=body.title, body=body.body,
                               draft_resolution=body.draft_resolution, principle=body.principle,
                               suggestion_ids=body.suggestion_ids)
    return ProposalOut.of(service.view(session, proposal, viewer=user))


@router.get("/proposals", response_model=ProposalPage,
            summary="Proposals, newest first; filter by status and principle")
def list_proposals(session: SessionDep, community: CurrentCommunity, user: OptionalUser,
                   status: ProposalStatus | None = Query(None),
                   principle: Principle | None = Query(None),
                   limit: int = Query(20, ge=1, le=100), offset: Offset = Query(0),
                   cursor: CursorQuery = None):
    page = service.list_proposals(session, community_id=community.id, status=status,
                                  principle=principle, limit=limit, offset=offset, cursor=cursor)
    return ProposalPage(items=[ProposalOut.of(v) for v in
                               service.views(session, page.items, viewer=user)], **page.meta())


@router.get("/proposals/{proposal_id}", response_model=ProposalOut,
            summary="One proposal with the suggestions it came from")
def get_proposal(proposal_id: Id, session: SessionDep, community: CurrentCommunity,
                 user: OptionalUser):
    proposal = service.get_proposal(session, community_id=community.id, proposal_id=proposal_id)
    return ProposalOut.of(service.view(session, proposal, viewer=user))


@router.post("/proposals/{proposal_id}/cosponsors", response_model=ProposalOut,
             summary="Co-sponsor a proposal (committee member); again is a no-op")
def cosponsor(proposal_id: Id, session: SessionDep, user: CurrentUser):
    proposal = service.cosponsor(session, actor=user, proposal_id=proposal_id)
    return ProposalOut.of(service.view(session, proposal, viewer=user))
