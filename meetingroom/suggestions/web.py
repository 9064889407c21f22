"""Pages for step 1: the phone form, the public list, a suggestion's page with its timeline,
"my suggestions", moderation and the secretary's staff entry and categories."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse

from meetingroom import photos
from meetingroom.auth.security import limiter
from meetingroom.auth.service import require_secretary
from meetingroom.auth.web import client_ip
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, TooLarge
from meetingroom.i18n import get_locale, gettext
from meetingroom.labels import N_
from meetingroom.pagination import CursorQuery
from meetingroom.proposals import service as proposals
from meetingroom.settings import get_settings
from meetingroom.suggestions import service
from meetingroom.templating import KeptFragment, flash, page
from meetingroom.types import Id, Line, Offset, Text

router = APIRouter()
PAGE_SIZE = 20


def _message(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


def _field(exc: DomainError) -> str:
    if isinstance(exc, TooLarge):
        return "photos"
    return getattr(exc, "field", None) or "_"


# -- lists --------------------------------------------------------------------------------------

def _card_key(v: service.SuggestionView) -> tuple:
    """Everything suggestions/_card.html shows (tests/suggestions/test_list_output.py fails when
    the card reads anything else)."""
    s, c = v.suggestion, v.category
    photo = v.photos[0] if v.photos else None
    return (get_locale(), s.id, s.title, s.supporters, s.created_at, s.hidden, v.status,
            None if c is None else (c.name_zh, c.name_en),
            None if photo is None else (photo.id, photo.thumb))


# The list's cards, kept rendered: 20 a page at ~25 µs each was ~0.5 ms of the list page's
# ~3.3 ms of CPU (issue 11, fifth round), for cards that change only when a suggestion does.
card = KeptFragment("suggestions/_card.html", "v", _card_key)


@router.get("/suggestions")
def list_page(request: Request, session: SessionDep, status: Line = Query("", max_length=20),
              category: Line = Query("", max_length=30), sort: Line = Query("newest",
                                                                           max_length=20),
              hidden: bool = False, offset: Offset = Query(0), cursor: CursorQuery = None):
    user = request.state.user
    community = request.state.community
    rows = service.list_suggestions(
        session, community_id=community.id, viewer=user, status=status or None,
        category=category or None, sort=sort, hidden=hidden, limit=PAGE_SIZE, offset=offset,
        cursor=cursor)
    review = service.counts_hidden(session, community.id) if user and user.is_secretary else 0
    return page(request, "suggestions/list.html", card=card,
                items=service.views(session, rows.items, viewer=user), rows=rows,
                total=rows.total, page_size=PAGE_SIZE,
                filters={"status": status, "category": category, "sort": sort,
                         "hidden": hidden},
                params={k: v for k, v in (("status", status), ("category", category),
                                          ("sort", sort), ("hidden", "1" if hidden else ""))
                        if v},
                categories=service.categories(session, community.id), review=review)


@router.get("/suggestions/mine")
def mine(request: Request, session: SessionDep, user: CurrentUser,
         offset: Offset = Query(0), cursor: CursorQuery = None):
    rows = service.list_suggestions(session, community_id=user.community_id, viewer=user,
                                    author_id=user.id, limit=PAGE_SIZE, offset=offset,
                                    cursor=cursor)
    return page(request, "suggestions/mine.html",
                items=service.views(session, rows.items, viewer=user), rows=rows,
                total=rows.total, page_size=PAGE_SIZE)


# -- submitting ---------------------------------------------------------------------------------

def _form_page(request: Request, session: SessionDep, user, *, staff: bool = False,
               status_code: int = 200, form: dict | None = None, errors: dict | None = None):
    return page(request, "suggestions/new.html", status_code=status_code, staff=staff,
                form=form or {}, errors=errors or {},
                categories=service.categories(session, user.community_id),
                max_mb=get_settings().max_photo_bytes // (1024 * 1024),
                max_photos=photos.MAX_PHOTOS)


@router.get("/suggestions/new")
def new_form(request: Request, session: SessionDep, user: CurrentUser):
    return _form_page(request, session, user)


@router.get("/suggestions/staff")
def staff_form(request: Request, session: SessionDep, user: CurrentUser):
    require_secretary(user)
    return _form_page(request, session, user, staff=True)


def _submit(request: Request, session: SessionDep, user, *, staff: bool, form: dict,
            files: list[UploadFile]):
    try:
        limiter.hit(f"post:{client_ip(request)}", *get_settings().post_rate)
        fields = dict(title=form["title"], body=form["body"], category=form["category"],
                      location=form["location"], show_name=form["show_name"],
                      uploads=photos.read_uploads(files))
        if staff:
            suggestion = service.enter_suggestion(
                session, actor=user, resident_name=form["resident_name"],
                resident_address=form["resident_address"], **fields)
        else:
            suggestion = service.submit_suggestion(session, actor=user, **fields)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        # Nothing of this attempt stays (rows or files); everything typed comes back.
        session.rollback()
        return _form_page(request, session, user, staff=staff, status_code=exc.status_code,
                          form=form, errors={_field(exc): _message(exc)})
    # The page it lands on says "Submitted" with what happens next; no flash needed.
    return RedirectResponse(f"/suggestions/{suggestion.id}?submitted=1", status_code=303)


@router.post("/suggestions")
def submit(request: Request, session: SessionDep, user: CurrentUser, title: Line = Form(""),
           body: Text = Form(""), category: Line = Form(""), location: Line = Form(""),
           show_name: bool = Form(False), photos_: list[UploadFile] = File(default=[],
                                                                           alias="photos")):
    form = {"title": title, "body": body, "category": category, "location": location,
            "show_name": show_name}
    return _submit(request, session, user, staff=False, form=form, files=photos_)


@router.post("/suggestions/staff")
def submit_for_resident(request: Request, session: SessionDep, user: CurrentUser,
                        resident_name: Line = Form(""), resident_address: Line = Form(""),
                        title: Line = Form(""), body: Text = Form(""), category: Line = Form(""),
                        location: Line = Form(""), show_name: bool = Form(False),
                        photos_: list[UploadFile] = File(default=[], alias="photos")):
    require_secretary(user)
    form = {"title": title, "body": body, "category": category, "location": location,
            "show_name": show_name, "resident_name": resident_name,
            "resident_address": resident_address}
    return _submit(request, session, user, staff=True, form=form, files=photos_)


# -- categories (secretary) ---------------------------------------------------------------------

def _categories_page(request: Request, session: SessionDep, user, *, status_code: int = 200,
                     form: dict | None = None, errors: dict | None = None):
    require_secretary(user)
    return page(request, "suggestions/categories.html", status_code=status_code,
                categories=service.categories(session, user.community_id, active_only=False),
                form=form or {}, errors=errors or {})


@router.get("/suggestions/categories")
def categories_page(request: Request, session: SessionDep, user: CurrentUser):
    return _categories_page(request, session, user)


@router.post("/suggestions/categories")
def add_category(request: Request, session: SessionDep, user: CurrentUser,
                 code: Line = Form(""), name_zh: Line = Form(""), name_en: Line = Form("")):
    try:
        service.add_category(session, actor=user, code=code, name_zh=name_zh, name_en=name_en)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        session.rollback()
        return _categories_page(request, session, user, status_code=exc.status_code,
                                form={"code": code, "name_zh": name_zh, "name_en": name_en},
                                errors={_field(exc): _message(exc)})
    flash(request, "Saved.")
    return RedirectResponse("/suggestions/categories", status_code=303)


@router.post("/suggestions/categories/{category_id}")
def update_category(category_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                    name_zh: Line = Form(""), name_en: Line = Form(""),
                    position: int = Form(0, ge=0, le=1000), active: bool = Form(False)):
    try:
        service.update_category(session, actor=user, category_id=category_id, name_zh=name_zh,
                                name_en=name_en, position=position, active=active)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _categories_page(request, session, user, status_code=exc.status_code,
                                errors={"_": _message(exc)})
    flash(request, "Saved.")
    return RedirectResponse("/suggestions/categories", status_code=303)


# -- one suggestion -----------------------------------------------------------------------------

def _detail(request: Request, session: SessionDep, suggestion, *, status_code: int = 200,
            errors: dict | None = None, form: dict | None = None):
    user = request.state.user
    v = service.view(session, suggestion, viewer=user)
    return page(request, "suggestions/detail.html", status_code=status_code, v=v,
                s=suggestion, errors=errors or {}, form=form or {},
                just_submitted=request.query_params.get("submitted") == "1"
                and user is not None and user.id == suggestion.author_id)


def _load(request: Request, session: SessionDep, suggestion_id: Id):
    return service.get_suggestion(session, viewer=request.state.user,
                                  community_id=request.state.community.id,
                                  suggestion_id=suggestion_id)


@router.get("/suggestions/{suggestion_id}")
def detail(suggestion_id: Id, request: Request, session: SessionDep):
    return _detail(request, session, _load(request, session, suggestion_id))


@router.post("/suggestions/{suggestion_id}/support")
def support(suggestion_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    suggestion = service.support_suggestion(session, actor=user, suggestion_id=suggestion_id)
    if request.headers.get("hx-request"):
        return page(request, "suggestions/_support.html",
                    v=service.view(session, suggestion, viewer=user), s=suggestion)
    return RedirectResponse(f"/suggestions/{suggestion_id}#support", status_code=303)


@router.post("/suggestions/{suggestion_id}/report")
def report(suggestion_id: Id, request: Request, session: SessionDep, user: CurrentUser,
           reason: Text = Form("")):
    try:
        limiter.hit(f"post:{client_ip(request)}", *get_settings().post_rate)
        suggestion = service.report_suggestion(session, actor=user, suggestion_id=suggestion_id,
                                               reason=reason)
    except DomainError as exc:
        if exc.status_code not in (422, 429):
            raise
        session.rollback()
        return _detail(request, session, _load(request, session, suggestion_id),
                       status_code=exc.status_code, errors={"report": _message(exc)})
    flash(request, "Thank you. The secretary will look at your report.")
    if suggestion.hidden and not service.may_see_hidden(user, suggestion):
        return RedirectResponse("/suggestions", status_code=303)
    return RedirectResponse(f"/suggestions/{suggestion_id}", status_code=303)


def _act(request: Request, session: SessionDep, suggestion_id: Id, action, *, error_key: str,
         done: str, **kw):
    """Run a moderation or step-2 action from the suggestion's page; re-show the page with the
    message (and what was typed) when it fails on input or state."""
    try:
        action(session, actor=request.state.user, suggestion_id=suggestion_id, **kw)
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        session.rollback()
        return _detail(request, session, _load(request, session, suggestion_id),
                       status_code=exc.status_code, errors={error_key: _message(exc)},
                       form={error_key: kw.get("reason", "")})
    flash(request, done)
    return RedirectResponse(f"/suggestions/{suggestion_id}", status_code=303)


@router.post("/suggestions/{suggestion_id}/hide")
def hide(suggestion_id: Id, request: Request, session: SessionDep, user: CurrentUser,
         reason: Text = Form("")):
    return _act(request, session, suggestion_id, service.hide_suggestion, error_key="hide",
                done=N_("The suggestion is hidden from the public."), reason=reason)


@router.post("/suggestions/{suggestion_id}/restore")
def restore(suggestion_id: Id, request: Request, session: SessionDep, user: CurrentUser,
            reason: Text = Form("")):
    return _act(request, session, suggestion_id, service.restore_suggestion,
                error_key="restore", done=N_("The suggestion can be seen by everyone again."),
                reason=reason)


@router.post("/suggestions/{suggestion_id}/decline")
def decline(suggestion_id: Id, request: Request, session: SessionDep, user: CurrentUser,
            reason: Text = Form("")):
    return _act(request, session, suggestion_id, proposals.decline_suggestion,
                error_key="decline", done=N_("Declined. The resident sees your reason."),
                reason=reason)
