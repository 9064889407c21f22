"""/api/v1 the record of a meeting: its minutes and its ballot log (public once it is closed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity
from meetingroom.meetings import minutes
from meetingroom.types import Id

router = APIRouter(tags=["record"])

NDJSON = "application/x-ndjson"


@router.get("/meetings/{meeting_id}/minutes", response_model=minutes.Minutes,
            summary="The minutes (会议纪要) of a closed meeting; 409 before it closes")
def get_minutes(meeting_id: Id, session: SessionDep, community: CurrentCommunity):
    return minutes.gather(session, meeting_id, community_id=community.id)


@router.get("/meetings/{meeting_id}/ballot-log", response_class=Response,
            responses={200: {"content": {NDJSON: {}},
                             "description": "One JSON object per line: position, payload, "
                                            "prev_hash, hash (docs/ballot-log.md)"}},
            summary="The ballot log of a closed meeting as JSON Lines, to recompute the digest")
def ballot_log(meeting_id: Id, session: SessionDep, community: CurrentCommunity):
    text, digest = minutes.export_ballot_log(session, community_id=community.id,
                                             meeting_id=meeting_id)
    return Response(text, media_type=NDJSON, headers={
        "Content-Disposition": f'attachment; filename="ballot-log-{meeting_id}.jsonl"',
        "X-Ballot-Log-Digest": digest})
