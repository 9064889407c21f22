"""Pages for step 2: the members' inbox, the proposal form, the public list and detail."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, NotFound
from meetingroom.i18n import gettext
from meetingroom.models.proposal import PRINCIPLES
from meetingroom.pagination import CursorQuery
from meetingroom.proposals import service
from meetingroom.suggestions import service as suggestions
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Offset, Text

router = APIRouter()
PAGE_SIZE = 20


@router.get("/inbox")
def inbox(request: Request, session: SessionDep, user: CurrentUser,
          offset: Offset = Query(0), cursor: CursorQuery = None):
    rows = service.inbox(session, actor=user, limit=PAGE_SIZE, offset=offset, cursor=cursor)
    return page(request, "proposals/inbox.html", total=rows.total, rows=rows,
                page_size=PAGE_SIZE, items=suggestions.views(session, rows.items, viewer=user))


def _waiting(session: SessionDep, user, ids: list[int]):
    """The picked suggestions that can still be sponsored, and whether any dropped out."""
    picked = []
    for sid in dict.fromkeys(ids):
        try:
            s = suggestions.get_suggestion(session, viewer=user, community_id=user.community_id,
                                           suggestion_id=sid)
        except NotFound:
            continue
        if s.status == "submitted" and not s.hidden:
            picked.append(s)
    return picked, len(picked) < len(set(ids))


def _form_page(request: Request, session: SessionDep, user, ids: list[int], *,
               status_code: int = 200, form: dict | None = None, errors: dict | None = None):
    picked, dropped = _waiting(session, user, ids)
    form = form or {}
    if "title" not in form and len(picked) == 1:
        form["title"] = picked[0].title
    return page(request, "proposals/new.html", status_code=status_code, form=form,
                errors=errors or {}, picked=suggestions.views(session, picked, viewer=user),
                dropped=dropped, principles=PRINCIPLES)


@router.get("/proposals/new")
def new_form(request: Request, session: SessionDep, user: CurrentUser,
             s: list[Id] = Query(default=[])):
    service.require_member(user)
    return _form_page(request, session, user, s)


@router.post("/proposals")
def create(request: Request, session: SessionDep, user: CurrentUser, title: Line = Form(""),
           body: Text = Form(""), draft_resolution: Text = Form(""), principle: Line = Form(""),
           s: list[Id] = Form(default=[])):
    try:
        proposal = service.sponsor(session, actor=user, title=title, body=body,
                                   draft_resolution=draft_resolution, principle=principle,
                                   suggestion_ids=s)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        session.rollback()
        form = {"title": title, "body": body, "draft_resolution": draft_resolution,
                "principle": principle}
        field = getattr(exc, "field", None) or "_"
        return _form_page(request, session, user, s, status_code=exc.status_code, form=form,
                          errors={field: gettext(exc.message, **exc.params)})
    flash(request, "The proposal is made. The secretary can now put it on a meeting agenda.")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.get("/proposals")
def list_page(request: Request, session: SessionDep, status: Line = Query("", max_length=20),
              principle: Line = Query("", max_length=20), offset: Offset = Query(0),
              cursor: CursorQuery = None):
    rows = service.list_proposals(session, community_id=request.state.community.id,
                                  status=status or None, principle=principle or None,
                                  limit=PAGE_SIZE, offset=offset, cursor=cursor)
    return page(request, "proposals/list.html", total=rows.total, rows=rows,
                page_size=PAGE_SIZE, filters={"status": status, "principle": principle},
                items=service.views(session, rows.items, viewer=request.state.user),
                statuses=service.PROPOSAL_STATUSES, principles=PRINCIPLES)


@router.get("/proposals/{proposal_id}")
def detail(proposal_id: Id, request: Request, session: SessionDep):
    user = request.state.user
    proposal = service.get_proposal(session, community_id=request.state.community.id,
                                    proposal_id=proposal_id)
    v = service.view(session, proposal, viewer=user)
    return page(request, "proposals/detail.html", v=v, p=proposal,
                origins=suggestions.views(session, v.suggestions, viewer=user))


@router.post("/proposals/{proposal_id}/cosponsor")
def cosponsor(proposal_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    service.cosponsor(session, actor=user, proposal_id=proposal_id)
    flash(request, "You co-sponsor this proposal.")
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)
