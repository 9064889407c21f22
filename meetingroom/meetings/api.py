"""/api/v1 meetings, agenda items, attendance, votes and tallies (CONTRACT.md). Thin: parse,
call one service, answer with the object state.py builds (the live feed sends the same)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser
from meetingroom.i18n import get_locale
from meetingroom.labels import MeetingStatus
from meetingroom.meetings import service, state
from meetingroom.meetings.cache import VersionedCache
from meetingroom.meetings.live import bind_hub
from meetingroom.meetings.schemas import (
    AgendaAddIn,
    AgendaOrderIn,
    AttendanceIn,
    ConveneIn,
    HandsIn,
    MeetingIn,
    MeetingOut,
    MeetingPage,
    MeetingSummary,
    ObserverIn,
    ObserverOut,
    TallyOut,
    VoteOpenIn,
)
from meetingroom.pagination import CursorQuery
from meetingroom.types import Id, Offset

router = APIRouter(tags=["meetings"], dependencies=[Depends(bind_hub)])


def _meeting(session: Session, community_id: Id, meeting_id: Id) -> state.MeetingData:
    st = service.meeting_state(session, community_id=community_id, meeting_id=meeting_id)
    return state.meeting_data(st, get_locale())


class MeetingBodies(VersionedCache[bytes]):
    """`GET /meetings/{id}` encoded once per meeting version and locale, kept TTL seconds.

    A meeting screen (a member's phone during the vote) polls this every few seconds; building
    it is ~20 queries and the MeetingOut validation. Every change the live feed reports bumps
    the meeting's seq in its own transaction, and each request reads the seq first (one row),
    so such a change is never served stale, on any worker. What is not in the feed (a member's
    name, a seat given before the meeting opens, a proposal's title) is shown at most TTL
    seconds late: the same as a poll that came a second earlier."""


meeting_bodies = MeetingBodies()


def _tally(session: Session, community_id: Id, item_id: Id) -> state.TallyData:
    item = service.get_item(session, community_id=community_id, item_id=item_id)
    st = state.load(session, item.meeting_id)
    return state.tally_data(st, item.id, get_locale())


@router.get("/meetings", response_model=MeetingPage, summary="Meetings, newest first")
def list_meetings(session: SessionDep, community: CurrentCommunity,
                  limit: int = Query(20, ge=1, le=100), offset: Offset = Query(0),
                  status: MeetingStatus | None = Query(None),
                  cursor: CursorQuery = None):
    page = service.list_meetings(session, community_id=community.id, limit=limit,
                                 offset=offset, status=status, cursor=cursor)
    # kind and status are str columns: pydantic checks them against the schema's enums here,
    # as the constructor would (a row with another value is a 500 either way)
    return MeetingPage(**page.meta(), items=[MeetingSummary.model_validate({
        "id": m.id, "kind": m.kind, "title": m.title, "starts_at": state.iso(m.starts_at),
        "location": m.location, "status": m.status}) for m in page.items])


@router.post("/meetings", response_model=MeetingOut, status_code=201,
             summary="Schedule a work or joint meeting with an agenda (secretary)")
def schedule(body: MeetingIn, user: CurrentUser, session: SessionDep):
    meeting = service.schedule_meeting(session, actor=user, kind=body.kind, title=body.title,
                                       starts_at=body.starts_at, location=body.location,
                                       proposal_ids=body.proposal_ids)
    return _meeting(session, user.community_id, meeting.id)


@router.post("/meetings/convene", response_model=MeetingOut, status_code=201,
             summary="R4.3: call a meeting at once for an urgent proposal (secretary)")
def convene(body: ConveneIn, user: CurrentUser, session: SessionDep):
    meeting = service.convene_meeting(session, actor=user, proposal_id=body.proposal_id,
                                      kind=body.kind, title=body.title, location=body.location)
    return _meeting(session, user.community_id, meeting.id)


@router.get("/meetings/{meeting_id}", response_model=MeetingOut,
            summary="A meeting: S, P, quorum with its rule, agenda")
def get_meeting(meeting_id: Id, session: SessionDep, community: CurrentCommunity) -> Response:
    body = meeting_bodies.fetch(session, community.id, meeting_id, _meeting_body)
    return Response(body, media_type="application/json")


def _meeting_body(st: state.MeetingState, locale: str) -> bytes:
    return MeetingOut.model_validate(state.meeting_data(st, locale)).model_dump_json(
        by_alias=True).encode()


@router.get("/meetings/{meeting_id}/tallies", response_model=list[TallyOut],
            summary="The tally of every agenda item, in agenda order")
def get_tallies(meeting_id: Id, session: SessionDep, community: CurrentCommunity):
    st = service.meeting_state(session, community_id=community.id, meeting_id=meeting_id)
    return state.tallies_data(st, get_locale())


@router.post("/meetings/{meeting_id}/agenda", response_model=MeetingOut, status_code=201,
             summary="Add an open proposal to the agenda (secretary; urgent only once open)")
def add_item(meeting_id: Id, body: AgendaAddIn, user: CurrentUser, session: SessionDep):
    service.add_agenda_item(session, actor=user, meeting_id=meeting_id,
                            proposal_id=body.proposal_id)
    return _meeting(session, user.community_id, meeting_id)


@router.put("/meetings/{meeting_id}/agenda", response_model=MeetingOut,
            summary="Reorder the agenda (secretary, before the meeting opens)")
def reorder(meeting_id: Id, body: AgendaOrderIn, user: CurrentUser, session: SessionDep):
    service.reorder_agenda(session, actor=user, meeting_id=meeting_id, item_ids=body.item_ids)
    return _meeting(session, user.community_id, meeting_id)


@router.delete("/meetings/{meeting_id}/agenda/{item_id}", response_model=MeetingOut,
               summary="Take an item off the agenda (secretary, before the meeting opens)")
def remove_item(meeting_id: Id, item_id: Id, user: CurrentUser, session: SessionDep):
    service.remove_agenda_item(session, actor=user, meeting_id=meeting_id, item_id=item_id)
    return _meeting(session, user.community_id, meeting_id)


@router.post("/meetings/{meeting_id}/attendance", response_model=MeetingOut,
             summary="Check in: a seated member himself (no body), or the secretary for user_id")
def check_in(meeting_id: Id, user: CurrentUser, session: SessionDep,
             body: AttendanceIn | None = None):
    service.check_in(session, actor=user, meeting_id=meeting_id,
                     user_id=body.user_id if body else None)
    return _meeting(session, user.community_id, meeting_id)


@router.delete("/meetings/{meeting_id}/attendance", response_model=MeetingOut,
               summary="Leave: a member himself (no body), or the secretary for user_id")
def leave(meeting_id: Id, user: CurrentUser, session: SessionDep,
          body: AttendanceIn | None = None):
    service.leave(session, actor=user, meeting_id=meeting_id,
                  user_id=body.user_id if body else None)
    return _meeting(session, user.community_id, meeting_id)


@router.post("/meetings/{meeting_id}/observers", response_model=ObserverOut, status_code=201,
             summary="Record an observer (列席) at a joint meeting (secretary); 409 on work (R6.1)")
def add_observer(meeting_id: Id, body: ObserverIn, user: CurrentUser, session: SessionDep):
    observer = service.add_observer(session, actor=user, meeting_id=meeting_id, name=body.name,
                                    role=body.role)
    return ObserverOut(id=observer.id, name=observer.name, role=observer.role)


@router.post("/meetings/{meeting_id}/open", response_model=MeetingOut,
             summary="Open the meeting (secretary): R7.1 for work meetings, R7.2 warns on joint")
def open_meeting(meeting_id: Id, user: CurrentUser, session: SessionDep):
    service.open_meeting(session, actor=user, meeting_id=meeting_id)
    return _meeting(session, user.community_id, meeting_id)


@router.post("/meetings/{meeting_id}/close", response_model=MeetingOut,
             summary="Close the meeting (secretary); 409 while a vote is open")
def close_meeting(meeting_id: Id, user: CurrentUser, session: SessionDep):
    service.close_meeting(session, actor=user, meeting_id=meeting_id)
    return _meeting(session, user.community_id, meeting_id)


@router.post("/items/{item_id}/vote/open", response_model=TallyOut,
             summary="Open the vote on an item, open ballot or secret (secretary)")
def open_vote(item_id: Id, user: CurrentUser, session: SessionDep,
              body: VoteOpenIn | None = None):
    service.open_vote(session, actor=user, item_id=item_id, secret=bool(body and body.secret))
    return _tally(session, user.community_id, item_id)


# POST /items/{item_id}/ballots: ballot_api.py (group commit, no session of its own)


@router.post("/items/{item_id}/vote/close", response_model=TallyOut,
             summary="Close the vote; the outcome follows R7.2–R7.4 (secretary)")
def close_vote(item_id: Id, user: CurrentUser, session: SessionDep):
    service.close_vote(session, actor=user, item_id=item_id)
    return _tally(session, user.community_id, item_id)


@router.post("/items/{item_id}/hands", response_model=TallyOut,
             summary="Record a show of hands instead of ballots (secretary, R7.6)")
def record_hands(item_id: Id, body: HandsIn, user: CurrentUser, session: SessionDep):
    service.record_hands(session, actor=user, item_id=item_id, agree=body.agree,
                         oppose=body.oppose, abstain=body.abstain)
    return _tally(session, user.community_id, item_id)


@router.get("/items/{item_id}/tally", response_model=TallyOut, summary="An item's tally")
def tally(item_id: Id, session: SessionDep, community: CurrentCommunity):
    return _tally(session, community.id, item_id)
