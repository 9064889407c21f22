"""Pages for step 4: the public resolutions list and CSV export, each resolution's follow-up page
(progress timeline, ratings split by group, the rating form), the progress and edit forms, the
public record of a matter and the committee's dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from types import SimpleNamespace

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlmodel import Session

from meetingroom import db, i18n, links, types
from meetingroom.auth.service import require_secretary
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Forbidden
from meetingroom.followup import dashboard as dashboard_service
from meetingroom.followup import record, service
from meetingroom.i18n import gettext
from meetingroom.labels import N_, PRINCIPLES, RESOLUTION_STATUSES
from meetingroom.models import User
from meetingroom.photos import MAX_PHOTOS, Upload
from meetingroom.settings import get_settings
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Text, parse_id

router = APIRouter()
PAGE_SIZE = 20
VOTE_METHODS = {"ballot": N_("Open ballot"), "secret": N_("Secret ballot"),
                "hands": N_("Show of hands")}
MATTER_STEPS = ("suggestions", "proposal", "meeting", "resolution", "progress", "ratings")
MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"),
          N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))

# What the step-4 templates need besides the shared labels.
FU = SimpleNamespace(score_words=service.SCORE_WORDS, groups=service.GROUP_LABELS,
                     report_reasons=service.REPORT_REASONS, months=MONTHS, scores=service.SCORES,
                     statuses=RESOLUTION_STATUSES, principles=PRINCIPLES,
                     max_photos=MAX_PHOTOS, min_ratings=dashboard_service.MIN_RATINGS,
                     vote_methods=VOTE_METHODS, matter_steps=MATTER_STEPS)


def _page(request: Request, template: str, **ctx):
    return page(request, template, fu=FU, **ctx)


def _message(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


# --- the list and the CSV export -----------------------------------------------------------------

def _filters(request: Request) -> service.ResolutionFilters:
    q = request.query_params
    return service.check_filters(status=q.get("status"), principle=q.get("principle"),
                                 year=q.get("year"), overdue=q.get("overdue"))


@router.get("/resolutions")
def resolutions_page(request: Request, session: SessionDep):
    community = request.state.community
    filters = _filters(request)
    try:
        offset = min(max(0, int(request.query_params.get("offset", "0"))), types.MAX_INT)
    except ValueError:
        offset = 0
    cursor = request.query_params.get("cursor") or None
    rows = service.list_resolutions(session, community_id=community.id, filters=filters,
                                    limit=PAGE_SIZE, offset=offset, cursor=cursor)
    return _page(request, "followup/list.html", views=service.describe(session, rows.items,
                                                                      with_progress=False),
                 total=rows.total, rows=rows, page_size=PAGE_SIZE, filters=filters,
                 query=filters.as_query(),
                 years=service.years_with_resolutions(session, community_id=community.id))


CSV_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text as Excel should show it: a leading = + - @ would make it a formula, so quote it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_INJECTION) else text


def csv_rows(views: list[service.ResolutionView], base_url: str) -> Iterator[list[str]]:
    for v in views:
        r, pm, rs = v.resolution, v.rating.party_members, v.rating.residents
        yield [str(r.id), _cell(r.title),
               gettext(PRINCIPLES[v.principle]) if v.principle in PRINCIPLES else v.principle,
               service.aware(r.created_at).astimezone(service.local_zone()).date().isoformat(),
               _cell(r.responsible), r.deadline.isoformat() if r.deadline else "",
               gettext(RESOLUTION_STATUSES.get(r.status, r.status)), str(r.percent),
               gettext("Yes") if v.overdue else gettext("No"),
               str(pm.count), "" if pm.average is None else f"{pm.average:.2f}",
               str(rs.count), "" if rs.average is None else f"{rs.average:.2f}",
               " ".join(f"#{sid}" for sid in v.suggestion_ids),
               f"{base_url}resolutions/{r.id}"]


def csv_header() -> list[str]:
    return [gettext("Resolution ID"), gettext("Title"), gettext("Principle"), gettext("Adopted on"),
            gettext("Responsible"), gettext("Deadline"), gettext("Status"),
            gettext("Percent done"), gettext("Overdue"), gettext("Party members: ratings"),
            gettext("Party members: average"), gettext("Residents: ratings"),
            gettext("Residents: average"), gettext("Suggestions"), gettext("Link")]


@router.get("/resolutions.csv")
def resolutions_csv(request: Request):
    """Every matching resolution as CSV, UTF-8 with a BOM so Excel shows the Chinese right.
    Streams from its own read-only session in batches, so the export's size does not matter."""
    filters = _filters(request)
    community_id = request.state.community.id
    base_url = links.public_origin(request) + "/"
    locale = i18n.get_locale()

    def generate() -> Iterator[bytes]:
        # Each step may run in another thread with a copy of the context: set the language
        # every time (a copy never leaks back).
        i18n.set_locale(locale)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(csv_header())
        yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
        for session in db.session_scope(write=False):
            for views in service.iter_resolutions(session, community_id=community_id,
                                                  filters=filters):
                i18n.set_locale(locale)
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(csv_rows(views, base_url))
                yield buffer.getvalue().encode("utf-8")

    name = f"resolutions-{service.local_today().isoformat()}.csv"
    return StreamingResponse(generate(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- one resolution ----------------------------------------------------------------------------

COMMENTS_PAGE = 50


def _ratings_ctx(session: Session, request: Request, view: service.ResolutionView,
                 **extra) -> dict:
    user: User | None = request.state.user
    resolution = view.resolution
    # The comments' Next/Previous links carry a keyset cursor (a page of its own, by GET).
    cursor = request.query_params.get("cursor") if request.method == "GET" else None
    comments = service.list_ratings(session, resolution=resolution, viewer=user,
                                    limit=COMMENTS_PAGE, cursor=cursor or None)
    mine = service.my_rating(session, resolution, user)
    ctx = {"view": view, "mine": mine, "comments": comments.items,
           "comments_total": comments.total, "comments_page": comments,
           "comments_page_size": COMMENTS_PAGE,
           "blocked": service.rating_blocked(session, resolution, user),
           "form": {"score": mine.score if mine else None,
                    "comment": mine.comment if mine else ""},
           "error": None, "saved": False}
    ctx.update(extra)
    return ctx


def _resolution_page(request: Request, session: SessionDep, resolution_id: Id, *,
                     status_code: int = 200, **extra):
    community = request.state.community
    view = service.describe_one(session, community_id=community.id, resolution_id=resolution_id)
    user = request.state.user
    return _page(request, "followup/resolution.html", fragment="followup/_ratings.html",
                 status_code=status_code,
                 meeting=service.meeting_of(session, view.resolution),
                 may_progress=service.may_post_progress(view.resolution, user),
                 **_ratings_ctx(session, request, view, **extra))


@router.get("/resolutions/{resolution_id}")
def resolution_page(resolution_id: Id, request: Request, session: SessionDep):
    return _resolution_page(request, session, resolution_id)


@router.post("/resolutions/{resolution_id}/rating")
def rate(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser,
         score: Line = Form(""), comment: Text = Form("")):
    try:
        service.rate_resolution(session, actor=user, resolution_id=resolution_id, score=score,
                                comment=comment)
    except DomainError as exc:
        if exc.status_code in (401, 404):
            raise
        session.rollback()
        return _resolution_page(request, session, resolution_id, status_code=exc.status_code,
                                form={"score": score, "comment": comment},
                                error=_message(exc))
    if request.headers.get("hx-request"):
        return _resolution_page(request, session, resolution_id, saved=True)
    flash(request, "Thank you. Your rating was saved.")
    return RedirectResponse(f"/resolutions/{resolution_id}#ratings", status_code=303)


def _progress_form(request: Request, session: SessionDep, user: User, resolution_id: Id, *,
                   status_code: int = 200, form: dict | None = None,
                   errors: dict | None = None):
    view = service.describe_one(session, community_id=user.community_id,
                                resolution_id=resolution_id)
    if not service.may_post_progress(view.resolution, user):
        raise Forbidden("Only the secretary or the member responsible for this resolution may "
                        "report its progress.", rule="R4.5")
    r = view.resolution
    return _page(request, "followup/progress_form.html", status_code=status_code, view=view,
                 form=form or {"status": r.status, "percent": r.percent, "note": ""},
                 errors=errors or {})


@router.get("/resolutions/{resolution_id}/progress")
def progress_form(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _progress_form(request, session, user, resolution_id)


@router.post("/resolutions/{resolution_id}/progress")
def post_progress(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                  status: Line = Form(""), percent: Line = Form(""), note: Text = Form(""),
                  photos: list[UploadFile] = File(default=[])):
    limit = get_settings().max_photo_bytes
    uploads = [Upload(p.file.read(limit + 1), p.filename or "") for p in photos
               if not isinstance(p, str)]
    try:
        service.add_progress(session, actor=user, resolution_id=resolution_id, status=status,
                             percent=percent, note=note, photos=uploads)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _progress_form(request, session, user, resolution_id,
                              status_code=exc.status_code,
                              form={"status": status, "percent": percent, "note": note},
                              errors={getattr(exc, "field", None) or "_": _message(exc)})
    flash(request, "Progress saved; the people following this resolution were notified.")
    return RedirectResponse(f"/resolutions/{resolution_id}#timeline", status_code=303)


def _edit_form(request: Request, session: SessionDep, user: User, resolution_id: Id, *,
               status_code: int = 200, form: dict | None = None, errors: dict | None = None):
    require_secretary(user)
    view = service.describe_one(session, community_id=user.community_id,
                                resolution_id=resolution_id)
    r = view.resolution
    return _page(request, "followup/edit.html", status_code=status_code, view=view,
                 people=service.responsible_choices(session, community_id=user.community_id),
                 form=form or {"text": r.text, "responsible": r.responsible,
                               "responsible_user_id": r.responsible_user_id or "",
                               "deadline": r.deadline.isoformat() if r.deadline else ""},
                 errors=errors or {})


@router.get("/resolutions/{resolution_id}/edit")
def edit_form(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _edit_form(request, session, user, resolution_id)


@router.post("/resolutions/{resolution_id}/edit")
def edit(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser,
         text: Text = Form(""), responsible: Line = Form(""), responsible_user_id: Line = Form(""),
         deadline: Line = Form("")):
    form = {"text": text, "responsible": responsible, "responsible_user_id": responsible_user_id,
            "deadline": deadline}
    # An unusable number names no one (-1): the service says so.
    uid = (parse_id(responsible_user_id) or -1) if responsible_user_id.strip() else None
    try:
        service.update_resolution(session, actor=user, resolution_id=resolution_id, changes={
            "text": text, "responsible": responsible, "responsible_user_id": uid,
            "deadline": service.parse_date(deadline, field="deadline")})
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _edit_form(request, session, user, resolution_id, status_code=exc.status_code,
                          form=form, errors={getattr(exc, "field", None) or "_": _message(exc)})
    flash(request, "Saved.")
    return RedirectResponse(f"/resolutions/{resolution_id}", status_code=303)


@router.post("/resolutions/{resolution_id}/ratings/close")
def close_ratings(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    service.close_ratings(session, actor=user, resolution_id=resolution_id)
    flash(request, "Ratings are closed.")
    return RedirectResponse(f"/resolutions/{resolution_id}#ratings", status_code=303)


@router.post("/resolutions/{resolution_id}/ratings/reopen")
def reopen_ratings(resolution_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    service.reopen_ratings(session, actor=user, resolution_id=resolution_id)
    flash(request, "Ratings are open again for 30 days.")
    return RedirectResponse(f"/resolutions/{resolution_id}#ratings", status_code=303)


@router.post("/ratings/{rating_id}/report")
def report_rating(rating_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                  reason: Text = Form("")):
    rating = service.report_rating(session, actor=user, rating_id=rating_id, reason=reason)
    flash(request, "Thank you. The secretary will review this comment.")
    return RedirectResponse(f"/resolutions/{rating.resolution_id}#comments", status_code=303)


@router.post("/ratings/{rating_id}/hide")
def hide_rating(rating_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                reason: Text = Form("")):
    rating = service.hide_rating(session, actor=user, rating_id=rating_id, reason=reason)
    flash(request, "The comment is hidden.")
    return RedirectResponse(f"/resolutions/{rating.resolution_id}#comments", status_code=303)


@router.post("/ratings/{rating_id}/restore")
def restore_rating(rating_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    rating = service.restore_rating(session, actor=user, rating_id=rating_id)
    flash(request, "The comment is shown again.")
    return RedirectResponse(f"/resolutions/{rating.resolution_id}#comments", status_code=303)


# --- the public record and the dashboard ---------------------------------------------------------

@router.get("/matters/{proposal_id}")
def matter_page(proposal_id: Id, request: Request, session: SessionDep):
    m = record.matter(session, community_id=request.state.community.id,
                      proposal_id=proposal_id, viewer=request.state.user)
    return _page(request, "followup/matter.html", m=m)


@router.get("/dashboard")
def dashboard_page(request: Request, session: SessionDep, user: CurrentUser):
    from meetingroom.units.board import unit_board

    d = dashboard_service.build(session, actor=user)
    # The member units' R5 flags in brief; the units board has the detail.
    return _page(request, "followup/dashboard.html", d=d,
                 units_board=unit_board(session, actor=user))
