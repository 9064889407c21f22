"""POST /api/v1/items/{id}/ballots: a member casts his ballot (R7.5), through the worker's
ballot box (ballot_box.py), which writes ballots that arrive together in one transaction.

An async route with no database session of its own: the request only names who votes (bearer
token or session cookie; CSRF and Origin are checked by the API router like everywhere) and
waits for the batch that records its ballot to commit. The credential is resolved, and every
rule checked, inside that batch's transaction (ballot_box, service.cast_ballots)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request, Response

from meetingroom.auth.security import read_token
from meetingroom.deps import bearer_header
from meetingroom.errors import NotAuthenticated
from meetingroom.i18n import get_locale
from meetingroom.meetings.ballot_box import ARRIVAL, STALE_TOKEN_MESSAGE, Credential, box_of
from meetingroom.meetings.schemas import BallotIn, TallyOut
from meetingroom.types import Id

router = APIRouter(tags=["meetings"])

@router.post("/items/{item_id}/ballots", response_model=TallyOut, status_code=201,
             summary="Cast your ballot: agree, oppose or abstain; once, final (R7.5)")
async def cast_ballot(item_id: Id, body: BallotIn, request: Request) -> Response:
    # Who: the bearer token, else the session cookie (deps.load_user's order; a bearer header
    # that is no live token is 401, never the cookie instead). The credential is looked up in
    # the batch's transaction (ballot_box), not in a session of this request's own.
    token = bearer_header(request)
    if token is not None:
        key = read_token(token)
        if key is None:
            raise NotAuthenticated(STALE_TOKEN_MESSAGE)
        credential = Credential(key, "token")
    else:
        # the signed cookie's contents (auth/sessions.py); read defensively, as before
        cookie_session: Mapping[str, object] = request.scope.get("session") or {}
        sid = cookie_session.get("sid")
        if not isinstance(sid, str):
            raise NotAuthenticated()
        credential = Credential(sid, "session")
    tallies = await box_of(request.app).cast(credential=credential, item_id=item_id,
                                             choice=body.choice,
                                             arrival=request.scope.get(ARRIVAL))
    # The body the response model would give, encoded and compressed once for the whole batch
    # (Tallies.encoded); with Content-Encoding set, CompressionMiddleware passes it through as is.
    sent, coding = tallies.encoded(get_locale(), request.headers.get("accept-encoding", ""))
    if coding is None:
        return Response(sent, status_code=201, media_type="application/json")
    return Response(sent, status_code=201, media_type="application/json",
                    headers={"Content-Encoding": coding, "Vary": "Accept-Encoding"})
