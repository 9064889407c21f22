"""/api/v1 suggestions, supports, reports, moderation and categories (CONTRACT.md)."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from meetingroom import photos
from meetingroom.auth.security import limiter
from meetingroom.auth.web import client_ip
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser, OptionalUser
from meetingroom.labels import Sort, SuggestionStatus
from meetingroom.pagination import CursorQuery
from meetingroom.settings import get_settings
from meetingroom.suggestions import service
from meetingroom.suggestions.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ReasonIn,
    ReportIn,
    ReportOut,
    SuggestionOut,
    SuggestionPage,
)
from meetingroom.types import Id, Line, Offset, Text

router = APIRouter(tags=["suggestions"])


def _out(session, suggestion, viewer) -> SuggestionOut:
    return SuggestionOut.of(service.view(session, suggestion, viewer=viewer))


@router.post("/suggestions", response_model=SuggestionOut, status_code=201,
             summary="Submit a suggestion (multipart, 0–3 photos); the secretary may enter one "
                     "for a resident by giving resident_name")
def submit(request: Request, session: SessionDep, user: CurrentUser,
           title: Line = Form(""), body: Text = Form(""), category: Line = Form(""),
           location: Line = Form(""), show_name: bool = Form(False),
           resident_name: Line = Form("", description="secretary only: enter for this resident"),
           resident_address: Line = Form(""),
           photos_: list[UploadFile] = File(default=[], alias="photos")):
    limiter.hit(f"post:{client_ip(request)}", *get_settings().post_rate)
    uploads = photos.read_uploads(photos_)
    fields = dict(title=title, body=body, category=category, location=location,
                  uploads=uploads, show_name=show_name)
    if resident_name:
        suggestion = service.enter_suggestion(session, actor=user, resident_name=resident_name,
                                              resident_address=resident_address, **fields)
    else:
        suggestion = service.submit_suggestion(session, actor=user, **fields)
    return _out(session, suggestion, user)


@router.get("/suggestions", response_model=SuggestionPage,
            summary="Suggestions, newest or most supported first; filter by status and category")
def list_suggestions(session: SessionDep, community: CurrentCommunity, user: OptionalUser,
                     status: SuggestionStatus | None = Query(None),
                     category: Line | None = Query(None, max_length=30),
                     sort: Sort = Query("newest"),
                     hidden: bool = Query(False, description="secretary: the review queue"),
                     limit: int = Query(20, ge=1, le=100), offset: Offset = Query(0),
                     cursor: CursorQuery = None):
    page = service.list_suggestions(session, community_id=community.id, viewer=user,
                                    status=status, category=category, sort=sort,
                                    hidden=hidden, limit=limit, offset=offset, cursor=cursor)
    return SuggestionPage.of(page, service.views(session, page.items, viewer=user))


@router.get("/me/suggestions", response_model=SuggestionPage,
            summary="My suggestions, each with its timeline")
def my_suggestions(session: SessionDep, user: CurrentUser, limit: int = Query(20, ge=1, le=100),
                   offset: Offset = Query(0), cursor: CursorQuery = None):
    page = service.list_suggestions(session, community_id=user.community_id, viewer=user,
                                    author_id=user.id, limit=limit, offset=offset, cursor=cursor)
    return SuggestionPage.of(page, service.views(session, page.items, viewer=user))


@router.get("/suggestions/{suggestion_id}", response_model=SuggestionOut,
            summary="One suggestion with its timeline")
def get_suggestion(suggestion_id: Id, session: SessionDep, community: CurrentCommunity,
                   user: OptionalUser):
    suggestion = service.get_suggestion(session, viewer=user, community_id=community.id,
                                        suggestion_id=suggestion_id)
    return _out(session, suggestion, user)


@router.post("/suggestions/{suggestion_id}/support", response_model=SuggestionOut,
             summary="Support (附议) once; again is a no-op")
def support(suggestion_id: Id, session: SessionDep, user: CurrentUser):
    suggestion = service.support_suggestion(session, actor=user, suggestion_id=suggestion_id)
    return _out(session, suggestion, user)


@router.post("/suggestions/{suggestion_id}/report", response_model=ReportOut,
             summary="Report a suggestion; three reports hide it until the secretary reviews it")
def report(suggestion_id: Id, body: ReportIn, request: Request, session: SessionDep,
           user: CurrentUser):
    limiter.hit(f"post:{client_ip(request)}", *get_settings().post_rate)
    service.report_suggestion(session, actor=user, suggestion_id=suggestion_id,
                              reason=body.reason)
    return ReportOut()


@router.post("/suggestions/{suggestion_id}/hide", response_model=SuggestionOut,
             summary="Hide from the public, with a reason (secretary)")
def hide(suggestion_id: Id, body: ReasonIn, session: SessionDep, user: CurrentUser):
    suggestion = service.hide_suggestion(session, actor=user, suggestion_id=suggestion_id,
                                         reason=body.reason)
    return _out(session, suggestion, user)


@router.post("/suggestions/{suggestion_id}/restore", response_model=SuggestionOut,
             summary="Show a hidden suggestion again, with a reason (secretary)")
def restore(suggestion_id: Id, body: ReasonIn, session: SessionDep, user: CurrentUser):
    suggestion = service.restore_suggestion(session, actor=user, suggestion_id=suggestion_id,
                                            reason=body.reason)
    return _out(session, suggestion, user)


@router.get("/categories", response_model=list[CategoryOut],
            summary="Suggestion categories (the secretary's short list)")
def categories(session: SessionDep, community: CurrentCommunity, user: OptionalUser):
    everything = bool(user and user.is_secretary)
    return [CategoryOut.of(c) for c in service.categories(session, community.id,
                                                          active_only=not everything)]


@router.post("/categories", response_model=CategoryOut, status_code=201,
             summary="Add a category (secretary)")
def add_category(body: CategoryIn, session: SessionDep, user: CurrentUser):
    return CategoryOut.of(service.add_category(session, actor=user, **body.model_dump()))


@router.patch("/categories/{category_id}", response_model=CategoryOut,
              summary="Rename, reorder or switch off a category (secretary)")
def update_category(category_id: Id, body: CategoryPatch, session: SessionDep,
                    user: CurrentUser):
    return CategoryOut.of(service.update_category(session, actor=user, category_id=category_id,
                                                  **body.model_dump(exclude_unset=True)))
