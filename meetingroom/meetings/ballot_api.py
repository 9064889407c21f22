"""POST /api/v1/items/{id}/ballots: a member casts his ballot (R7.5), through the worker's
ballot box (ballot_box.py), which writes ballots that arrive together in one transaction.

An async route with no database session of its own: the request only names who votes (bearer
token or session cookie; CSRF and Origin are checked by the API router like everywhere) and
waits for the batch that records its ballot to commit. The user is loaded, and every rule
checked, inside that batch's transaction (service.cast_ballots)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from meetingroom.deps import bearer_user_id
from meetingroom.errors import NotAuthenticated
from meetingroom.i18n import get_locale
from meetingroom.meetings.ballot_box import box_of
from meetingroom.meetings.schemas import BallotIn, TallyOut
from meetingroom.types import Id

router = APIRouter(tags=["meetings"])


@router.post("/items/{item_id}/ballots", response_model=TallyOut, status_code=201,
             summary="Cast your ballot: agree, oppose or abstain; once, final (R7.5)")
async def cast_ballot(item_id: Id, body: BallotIn, request: Request) -> dict:
    uid = bearer_user_id(request)
    if uid is None:
        uid = (request.scope.get("session") or {}).get("uid")
    if not isinstance(uid, int):
        raise NotAuthenticated()
    tallies = await box_of(request.app).cast(user_id=uid, item_id=item_id, choice=body.choice)
    return tallies.get(get_locale()) or next(iter(tallies.values()))
