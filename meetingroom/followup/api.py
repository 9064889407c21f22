"""/api/v1 for step 4: resolutions, progress, ratings and their moderation, the public record of a
matter, and the committee's dashboard (CONTRACT.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser, OptionalUser
from meetingroom.errors import BadRequest
from meetingroom.followup import dashboard, record, service
from meetingroom.followup.schemas import (
    CommentOut,
    CommentPage,
    DashboardOut,
    MatterOut,
    ModerationOut,
    ProgressIn,
    ProgressOut,
    RatingIn,
    RatingResult,
    RatingSummaryOut,
    ReasonIn,
    ReportIn,
    ResolutionOut,
    ResolutionPage,
    ResolutionPatch,
    my_rating_out,
)
from meetingroom.labels import Principle, ResolutionStatus
from meetingroom.pagination import CursorQuery
from meetingroom.photos import MAX_PHOTOS, Upload
from meetingroom.settings import get_settings
from meetingroom.types import FIRST_YEAR, LAST_YEAR, Id, Offset

router = APIRouter(tags=["follow-up"])


@router.get("/resolutions", response_model=ResolutionPage,
            summary="Resolutions, newest first; filter by status, principle, year, overdue")
def list_resolutions(session: SessionDep, community: CurrentCommunity,
                     status: ResolutionStatus | None = Query(None),
                     principle: Principle | None = Query(None),
                     year: int | None = Query(None, ge=FIRST_YEAR, le=LAST_YEAR),
                     overdue: bool | None = None,
                     limit: int = Query(20, ge=1, le=100), offset: Offset = Query(0),
                     cursor: CursorQuery = None):
    filters = service.check_filters(status=status, principle=principle, year=year,
                                    overdue=overdue)
    page = service.list_resolutions(session, community_id=community.id, filters=filters,
                                    limit=limit, offset=offset, cursor=cursor)
    return ResolutionPage(items=[ResolutionOut.of(v) for v in
                                 service.describe(session, page.items)], **page.meta())


@router.get("/resolutions/{resolution_id}", response_model=ResolutionOut,
            summary="One resolution: progress timeline and ratings split by group")
def get_resolution(resolution_id: Id, session: SessionDep, community: CurrentCommunity):
    return ResolutionOut.of(service.describe_one(session, community_id=community.id,
                                                 resolution_id=resolution_id))


@router.patch("/resolutions/{resolution_id}", response_model=ResolutionOut,
              summary="Edit text, responsible person or unit, deadline (secretary)")
def patch_resolution(resolution_id: Id, body: ResolutionPatch, session: SessionDep,
                     user: CurrentUser):
    service.update_resolution(session, actor=user, resolution_id=resolution_id,
                              changes=body.model_dump(exclude_unset=True))
    return ResolutionOut.of(service.describe_one(session, community_id=user.community_id,
                                                 resolution_id=resolution_id))


async def progress_body(request: Request) -> tuple[ProgressIn, list[Upload]]:
    """The same fields as JSON, or as a multipart form with up to three `photos`."""
    ctype = request.headers.get("content-type", "")
    uploads: list[Upload] = []
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        limit = get_settings().max_photo_bytes
        form = await request.form(max_files=MAX_PHOTOS + 5)
        data = {k: form.get(k) for k in ("status", "percent", "note") if form.get(k) is not None}
        for item in form.getlist("photos"):
            if isinstance(item, str):
                continue
            # Read one byte past the cap: enough to refuse it without holding a huge file.
            uploads.append(Upload(await item.read(limit + 1), item.filename or ""))
    else:
        try:
            data = await request.json()
        except ValueError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
    try:
        return ProgressIn.model_validate(data), uploads
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


_PROGRESS_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": ProgressIn.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "required": ["status", "percent"],
                                       "properties": {
        "status": {"type": "string", "enum": ["not_started", "in_progress", "done", "delayed"]},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "note": {"type": "string", "maxLength": service.MAX_NOTE},
        "photos": {"type": "array", "maxItems": MAX_PHOTOS,
                   "items": {"type": "string", "format": "binary"}}}}}}}}


@router.post("/resolutions/{resolution_id}/progress", response_model=ProgressOut,
             status_code=201, openapi_extra=_PROGRESS_BODY,
             summary="Report progress (secretary or the responsible member); notifies followers")
def post_progress(resolution_id: Id, session: SessionDep, user: CurrentUser,
                  body: Annotated[tuple[ProgressIn, list[Upload]], Depends(progress_body)]):
    data, uploads = body
    update_row = service.add_progress(session, actor=user, resolution_id=resolution_id,
                                      status=data.status, percent=data.percent, note=data.note,
                                      photos=uploads)
    entries = service.progress_entries(session, [resolution_id])[resolution_id]
    return ProgressOut.of(next(e for e in entries if e.update.id == update_row.id))


@router.put("/resolutions/{resolution_id}/rating", response_model=RatingResult,
            summary="Rate a done or overdue resolution 1–5 (party members and residents); "
                    "again replaces")
def put_rating(resolution_id: Id, body: RatingIn, session: SessionDep, user: CurrentUser):
    rating = service.rate_resolution(session, actor=user, resolution_id=resolution_id,
                                     score=body.score, comment=body.comment)
    summary = service.rating_summaries(session, [resolution_id])[resolution_id]
    return RatingResult(**RatingSummaryOut.of(summary).model_dump(), mine=my_rating_out(rating))


@router.get("/resolutions/{resolution_id}/ratings", response_model=CommentPage,
            summary="Rating comments, newest first (hidden ones for the secretary only)")
def list_comments(resolution_id: Id, session: SessionDep, community: CurrentCommunity,
                  user: OptionalUser, limit: int = Query(50, ge=1, le=100),
                  offset: Offset = Query(0), cursor: CursorQuery = None):
    resolution = service.get_resolution(session, community_id=community.id,
                                        resolution_id=resolution_id)
    rows = service.list_ratings(session, resolution=resolution, viewer=user, limit=limit,
                                offset=offset, cursor=cursor)
    comments = rows.items
    secretary = user is not None and user.is_secretary
    return CommentPage(**rows.meta(), items=[
        CommentOut(id=c.rating.id, score=c.rating.score, comment=c.rating.comment,
                   group=c.rating.group, author=c.author_name, hidden=c.rating.hidden,
                   report_count=c.rating.report_count if secretary else None,
                   updated_at=service.aware(c.rating.updated_at)) for c in comments])


@router.post("/resolutions/{resolution_id}/ratings/close", response_model=ResolutionOut,
             summary="Close ratings now (secretary; otherwise they close 30 days after opening)")
def close_ratings(resolution_id: Id, session: SessionDep, user: CurrentUser):
    service.close_ratings(session, actor=user, resolution_id=resolution_id)
    return ResolutionOut.of(service.describe_one(session, community_id=user.community_id,
                                                 resolution_id=resolution_id))


@router.post("/resolutions/{resolution_id}/ratings/reopen", response_model=ResolutionOut,
             summary="Reopen closed ratings for another 30 days (secretary)")
def reopen_ratings(resolution_id: Id, session: SessionDep, user: CurrentUser):
    service.reopen_ratings(session, actor=user, resolution_id=resolution_id)
    return ResolutionOut.of(service.describe_one(session, community_id=user.community_id,
                                                 resolution_id=resolution_id))


def _moderation(rating) -> ModerationOut:
    return ModerationOut(id=rating.id, hidden=rating.hidden, report_count=rating.report_count)


@router.post("/ratings/{rating_id}/report", response_model=ModerationOut,
             summary="Report a rating comment (once per person; 3 reports hide it for review)")
def report_rating(rating_id: Id, body: ReportIn, session: SessionDep, user: CurrentUser):
    return _moderation(service.report_rating(session, actor=user, rating_id=rating_id,
                                             reason=body.reason))


@router.post("/ratings/{rating_id}/hide", response_model=ModerationOut,
             summary="Hide a rating comment with a reason (secretary)")
def hide_rating(rating_id: Id, body: ReasonIn, session: SessionDep, user: CurrentUser):
    return _moderation(service.hide_rating(session, actor=user, rating_id=rating_id,
                                           reason=body.reason))


@router.post("/ratings/{rating_id}/restore", response_model=ModerationOut,
             summary="Show a hidden rating comment again (secretary)")
def restore_rating(rating_id: Id, session: SessionDep, user: CurrentUser,
                   body: ReasonIn | None = None):
    return _moderation(service.restore_rating(session, actor=user, rating_id=rating_id,
                                              reason=body.reason if body else ""))


@router.get("/matters/{proposal_id}", response_model=MatterOut,
            summary="The public record of one matter, from its suggestions to its ratings (R4.2)")
def get_matter(proposal_id: Id, session: SessionDep, community: CurrentCommunity,
               user: OptionalUser):
    return MatterOut.of(record.matter(session, community_id=community.id,
                                      proposal_id=proposal_id, viewer=user))


@router.get("/dashboard", response_model=DashboardOut,
            summary="The committee's dashboard: months without a meeting (R4.4), waiting "
                    "proposals, overdue and lowest-rated resolutions, roster warnings (R1.1)")
def get_dashboard(session: SessionDep, user: CurrentUser):
    return DashboardOut.of(dashboard.build(session, actor=user))
