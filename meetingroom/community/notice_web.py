"""Pages for R2.2's public notice (public; objections from logged-in residents, answers and the
offer to seat from the secretary) and the roster's R1.3 post and "appointed before the record
began" forms."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from meetingroom.community import notice as service
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser, OptionalUser
from meetingroom.errors import DomainError
from meetingroom.i18n import gettext
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Offset, Text

router = APIRouter()


def _error(exc: DomainError) -> tuple[str | None, str]:
    return exc.rule, gettext(exc.message, **exc.params)


@router.get("/notices")
def notices_page(request: Request, session: SessionDep, user: OptionalUser, offset: Offset = 0):
    views = service.list_notices(session, community_id=request.state.community.id, viewer=user,
                                 offset=offset)
    return page(request, "community/notices.html", views=views, states=service.NOTICE_STATES,
                offset=offset)


def _notice_page(request: Request, session, user, notice_id: int, *, status_code: int = 200,
                 error=None, form=None):
    view = service.read_notice(session, community_id=request.state.community.id, viewer=user,
                               notice_id=notice_id)
    return page(request, "community/notice.html", status_code=status_code, v=view,
                states=service.NOTICE_STATES, error=error, form=form or {})


@router.get("/notices/{notice_id}")
def notice_page(notice_id: Id, request: Request, session: SessionDep, user: OptionalUser):
    return _notice_page(request, session, user, notice_id)


@router.post("/notices/{notice_id}/objections")
def send_objection(notice_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                   text: Text = Form("")):
    try:
        service.object_to_notice(session, actor=user, notice_id=notice_id, text=text)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _notice_page(request, session, user, notice_id, status_code=exc.status_code,
                            error=_error(exc), form={"text": text})
    flash(request, "Your objection was sent to the secretary.")
    return RedirectResponse(f"/notices/{notice_id}#objections", status_code=303)


@router.post("/notices/{notice_id}/objections/{objection_id}/answer")
def answer(notice_id: Id, objection_id: Id, request: Request, session: SessionDep,
           user: CurrentUser, answer: Text = Form(""), upheld: Line = Form("")):
    try:
        service.answer_objection(session, actor=user, objection_id=objection_id,
                                 answer=answer, upheld=upheld == "1")
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _notice_page(request, session, user, notice_id, status_code=exc.status_code,
                            error=_error(exc), form={f"answer-{objection_id}": answer})
    flash(request, "Answer recorded.")
    return RedirectResponse(f"/notices/{notice_id}#objections", status_code=303)


@router.post("/notices/{notice_id}/seat")
def seat(notice_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    try:
        view = service.seat_after_notice(session, actor=user, notice_id=notice_id)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _notice_page(request, session, user, notice_id, status_code=exc.status_code,
                            error=_error(exc))
    flash(request, "{name} now holds a part-time seat.", name=view.person.name)
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


def _back_to_person(request: Request, user_id: int, exc: DomainError | None, done: str):
    if exc is None:
        flash(request, done)
    else:
        flash(request, "{rule} {message}", rule=exc.rule or "",
              message=gettext(exc.message, **exc.params))
    return RedirectResponse(f"/roster/users/{user_id}#record", status_code=303)


@router.post("/roster/users/{user_id}/post")
def set_post(user_id: Id, request: Request, session: SessionDep, user: CurrentUser,
             post: Line = Form("")):
    try:
        service.set_post(session, actor=user, user_id=user_id, post=post or None)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _back_to_person(request, user_id, exc, "")
    return _back_to_person(request, user_id, None, "Saved.")


@router.post("/roster/users/{user_id}/before-record")
def set_before_record(user_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                      before_record: Line = Form(""), note: Line = Form("")):
    try:
        service.set_before_record(session, actor=user, user_id=user_id,
                                  before_record=before_record == "1", note=note)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _back_to_person(request, user_id, exc, "")
    return _back_to_person(request, user_id, None, "Saved.")
