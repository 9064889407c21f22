"""Pages for member units (R5): the public list, each unit's public page with its good deeds per
year and the thank-you button, the year's deeds; for the secretary and committee members the
units board, each unit's console (profile, contacts, resources, deeds, reports, reminder talks,
the co-building report), the co-building lists and the annual reports of a year."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from meetingroom import labels
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Invalid
from meetingroom.i18n import gettext
from meetingroom.labels import N_
from meetingroom.photos import MAX_PHOTOS, read_uploads
from meetingroom.templating import flash, page
from meetingroom.types import Id, parse_id
from meetingroom.units import board as unit_board
from meetingroom.units import cobuilding, service

router = APIRouter()
PAGE_SIZE = 20
UNIT_FIELDS = ("name", "kind", "party_org", "higher_org", "address", "party_head",
               "contact_name", "contact_phone", "reported_on")

# What the unit templates need besides the shared labels.
U = SimpleNamespace(directions=service.DIRECTIONS, sources=service.SOURCES,
                    need_statuses=service.NEED_STATUS_LABELS,
                    project_statuses=service.PROJECT_STATUS_LABELS,
                    reminder_by=service.REMINDER_BY_LABELS, kinds=labels.UNIT_KINDS,
                    max_photos=MAX_PHOTOS, max_attachment_mb=service.MAX_ATTACHMENT // 2**20)


def _page(request: Request, template: str, **ctx):
    return page(request, template, u=U, today=service.local_today(), **ctx)


def _message(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


def _int(value, default: int | None = None) -> int | None:
    """A number typed into a form or the query string, within the id range."""
    number = parse_id(value if isinstance(value, str) else None)
    return default if number is None else number


def _year(request: Request) -> int:
    this_year = service.local_today().year
    year = _int(request.query_params.get("year"), this_year) or this_year
    return year if 2000 <= year <= service.local_today().year + 1 else service.local_today().year


def _offset(request: Request) -> int:
    return max(0, min(_int(request.query_params.get("offset"), 0), 1_000_000))


async def _form(request: Request) -> dict:
    form = await request.form(max_files=MAX_PHOTOS + 2)
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


# --- public: the units, a unit's deeds, the year's deeds, thanks ---------------------------------

@router.get("/units")
def units_page(request: Request, session: SessionDep):
    cid = request.state.community.id
    viewer = getattr(request.state, "user", None)
    rows, total = service.list_units(session, community_id=cid, limit=500, offset=0)
    year = service.local_today().year
    deeds = service.deed_counts(session, community_id=cid, year=year)
    return _page(request, "units/list.html", units=rows, total=total, deeds=deeds, year=year,
                 members=service.part_time_members(session, community_id=cid),
                 staff=service.is_staff(viewer))


# --- the board -----------------------------------------------------------------------------------

@router.get("/units/board")
def board_page(request: Request, session: SessionDep, user: CurrentUser):
    return _page(request, "units/board.html", b=unit_board.unit_board(session, actor=user))


# --- the year's annual reports -------------------------------------------------------------------

@router.get("/units/reports")
def reports_page(request: Request, session: SessionDep, user: CurrentUser):
    year = _year(request)
    rows, total = service.list_reports(session, actor=user, year=year, limit=100)
    cid = user.community_id
    return _page(request, "units/reports.html", year=year, reports=rows, total=total,
                 missing=service.missing_reports(session, community_id=cid, year=year),
                 names=service.user_names(session, [r.member_id for r in rows]),
                 units=service.unit_names(session, community_id=cid))


def _deed_views(session, request: Request, rows):
    viewer = getattr(request.state, "user", None)
    return SimpleNamespace(
        pics=service.deed_photos(session, [d.id for d in rows]),
        mine=service.thanked_by(session, viewer, [d.id for d in rows]),
        names=service.unit_names(session, community_id=request.state.community.id))


@router.get("/units/{unit_id}")
def unit_page(unit_id: Id, request: Request, session: SessionDep):
    cid = request.state.community.id
    unit = service.get_unit(session, community_id=cid, unit_id=unit_id)
    year, offset = _year(request), _offset(request)
    rows, total = service.list_deeds(session, community_id=cid, unit_id=unit.id, year=year,
                                     limit=PAGE_SIZE, offset=offset)
    return _page(request, "units/unit.html", unit=unit, deeds=rows, total=total, year=year,
                 offset=offset, page_size=PAGE_SIZE, dv=_deed_views(session, request, rows),
                 years=service.deed_years(session, community_id=cid, unit_id=unit.id),
                 members=service.part_time_members(session, community_id=cid).get(unit.id, []),
                 staff=service.is_staff(getattr(request.state, "user", None)))


@router.get("/deeds")
def deeds_page(request: Request, session: SessionDep):
    cid = request.state.community.id
    year, offset = _year(request), _offset(request)
    rows, total = service.list_deeds(session, community_id=cid, year=year, limit=PAGE_SIZE,
                                     offset=offset)
    return _page(request, "units/deeds.html", deeds=rows, total=total, year=year, offset=offset,
                 page_size=PAGE_SIZE, dv=_deed_views(session, request, rows),
                 years=service.deed_years(session, community_id=cid))


@router.post("/deeds/{deed_id}/thanks")
def thank(deed_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    deed = service.thank_deed(session, actor=user, deed_id=deed_id)
    if request.headers.get("hx-request"):
        return page(request, "units/_thanks.html", d=deed, thanked=True)
    back = request.headers.get("referer") or ""
    target = back if back.startswith(str(request.base_url)) else f"/units/{deed.unit_id}"
    return RedirectResponse(f"{target.split('#')[0]}#deed-{deed.id}", status_code=303)


# --- a unit's console ----------------------------------------------------------------------------

def _console(request: Request, session: SessionDep, user, unit_id: int, *,
             status_code: int = 200, errors: dict | None = None, form: dict | None = None):
    service.require_staff(user)
    cid = user.community_id
    unit = service.get_unit(session, community_id=cid, unit_id=unit_id)
    contacts, contacts_total = service.list_contacts(session, actor=user, unit_id=unit.id,
                                                     limit=PAGE_SIZE, offset=_offset(request))
    resources, _ = service.list_resources(session, actor=user, unit_id=unit.id, limit=100)
    deeds, deeds_total = service.list_deeds(session, community_id=cid, unit_id=unit.id,
                                            limit=10)
    reports, _ = service.list_reports(session, actor=user, unit_id=unit.id, limit=100)
    reminders, _ = service.list_reminders(session, actor=user, unit_id=unit.id, limit=100)
    today = service.local_today()
    return _page(request, "units/console.html", status_code=status_code, unit=unit,
                 contacts=contacts, contacts_total=contacts_total, resources=resources,
                 deeds=deeds, deeds_total=deeds_total, reports=reports, reminders=reminders,
                 members=service.part_time_members(session, community_id=cid).get(unit.id, []),
                 names=service.user_names(session, [r.member_id for r in reports]),
                 may_act=service.acts_for_unit(user, unit), offset=_offset(request),
                 page_size=PAGE_SIZE, errors=errors or {}, form=form or {},
                 period=(date(today.year, 1, 1), today))


@router.get("/units/{unit_id}/console")
def console(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _console(request, session, user, unit_id)


async def _act(request: Request, session: SessionDep, user, unit_id: int, key: str, action,
               done: str, anchor: str):
    """Run one console form; on bad input or a state conflict re-show the console with the
    message next to that form and what was typed."""
    form = await _form(request)
    try:
        await action(form)
    except DomainError as exc:
        if exc.status_code not in (409, 413, 422):
            raise
        session.rollback()
        return _console(request, session, user, unit_id, status_code=exc.status_code,
                        errors={key: _message(exc)}, form={key: form})
    flash(request, done)
    return RedirectResponse(f"/units/{unit_id}/console#{anchor}", status_code=303)


@router.post("/units/{unit_id}/profile")
async def save_profile(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    from meetingroom.community.service import update_unit

    async def run(form):
        update_unit(session, actor=user, unit_id=unit_id,
                    **{k: form.get(k, "") for k in UNIT_FIELDS})
    return await _act(request, session, user, unit_id, "profile", run,
                      N_("The unit's profile is saved."), "profile")


@router.post("/units/{unit_id}/contacts")
async def add_contact(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    async def run(form):
        service.log_contact(session, actor=user, unit_id=unit_id,
                            direction=form.get("direction", ""), held_on=form.get("date", ""),
                            who=form.get("who", ""), note=form.get("note", ""),
                            needs=form.get("needs", "").splitlines())
    return await _act(request, session, user, unit_id, "contact", run,
                      N_("The contact is logged."), "contacts")


@router.post("/units/{unit_id}/resources")
async def add_resource(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    async def run(form):
        service.add_resource(session, actor=user, unit_id=unit_id, title=form.get("title", ""),
                             detail=form.get("detail", ""),
                             availability=form.get("availability", ""))
    return await _act(request, session, user, unit_id, "resource", run,
                      N_("The resource is on the list."), "resources")


@router.post("/units/{unit_id}/deeds")
async def add_deed(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    async def run(form):
        files = (await request.form(max_files=MAX_PHOTOS + 2)).getlist("photos")
        service.record_deed(session, actor=user, unit_id=unit_id, title=form.get("title", ""),
                            done_on=form.get("date", ""),
                            beneficiaries=form.get("beneficiaries", ""),
                            detail=form.get("detail", ""), uploads=read_uploads(files))
    return await _act(request, session, user, unit_id, "deed", run,
                      N_("The good deed is recorded."), "deeds")


@router.post("/units/{unit_id}/reminders")
async def add_reminder(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    async def run(form):
        service.record_reminder(session, actor=user, unit_id=unit_id,
                                held_on=form.get("date", ""), held_by=form.get("held_by", ""),
                                who=form.get("who", ""), reason=form.get("reason", ""),
                                outcome=form.get("outcome", ""))
    return await _act(request, session, user, unit_id, "reminder", run,
                      N_("The reminder talk is recorded."), "reminders")


@router.post("/units/{unit_id}/reports")
async def add_report(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    async def run(form):
        files = [f for f in (await request.form(max_files=3)).getlist("attachment")
                 if not isinstance(f, str)]
        attachment = None
        if files:
            data = files[0].file.read(service.MAX_ATTACHMENT + 1)
            attachment = service.Attachment(data, files[0].filename or "")
        member_id = _int(form.get("member_id"))
        if member_id is None:
            raise Invalid("Choose the member.", field="member_id")
        service.hand_in_report(session, actor=user, member_id=member_id, unit_id=unit_id,
                               year=form.get("year", ""), text_=form.get("text", ""),
                               given_on=form.get("date", ""), attachment=attachment)
    return await _act(request, session, user, unit_id, "report", run,
                      N_("The annual report is in."), "reports")


@router.get("/units/{unit_id}/cobuilding-report.docx")
def cobuilding_docx(unit_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    q = request.query_params
    try:
        start, end = date.fromisoformat(q.get("start", "")), date.fromisoformat(q.get("end", ""))
    except ValueError:
        raise Invalid("Enter a date as YYYY-MM-DD.", field="start") from None
    data, filename = cobuilding.report_docx(session, actor=user, unit_id=unit_id, start=start,
                                            end=end)
    return Response(data, media_type=cobuilding.DOCX, headers={
        "Content-Disposition": cobuilding.disposition(filename),
        "Cache-Control": "private, no-store"})


# --- the co-building lists -----------------------------------------------------------------------

def _lists(request: Request, session: SessionDep, user, *, status_code: int = 200,
           errors: dict | None = None, form: dict | None = None):
    service.require_staff(user)
    cid = user.community_id
    status = request.query_params.get("status") or None
    if status not in (None, *service.NEED_STATUS_LABELS):
        status = None
    needs, needs_total = service.list_needs(session, actor=user, status=status, limit=50,
                                            offset=_offset(request))
    resources, resources_total = service.list_resources(session, actor=user, limit=100)
    projects, projects_total = service.list_projects(session, actor=user, limit=50)
    units, _ = service.list_units(session, community_id=cid, limit=500)
    return _page(request, "units/lists.html", status_code=status_code, needs=needs,
                 needs_total=needs_total, resources=resources, resources_total=resources_total,
                 projects=projects, projects_total=projects_total, units=units,
                 takers=service.project_units(session, [p.id for p in projects]),
                 names=service.unit_names(session, community_id=cid), status=status,
                 errors=errors or {}, form=form or {}, viewer_unit=user.unit_id
                 if user.seat == "part_time" else None)


@router.get("/co-building")
def lists_page(request: Request, session: SessionDep, user: CurrentUser):
    return _lists(request, session, user)


async def _list_act(request: Request, session: SessionDep, user, key: str, action, done: str,
                    anchor: str):
    form = await _form(request)
    try:
        action(form)
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        session.rollback()
        return _lists(request, session, user, status_code=exc.status_code,
                      errors={key: _message(exc)}, form={key: form})
    flash(request, done)
    return RedirectResponse(f"/co-building#{anchor}", status_code=303)


@router.post("/co-building/needs")
async def add_need(request: Request, session: SessionDep, user: CurrentUser):
    def run(form):
        service.add_need(session, actor=user, title=form.get("title", ""),
                         detail=form.get("detail", ""), source=form.get("source", ""),
                         unit_id=_int(form.get("unit_id")),
                         suggestion_id=_int(form.get("suggestion_id")))
    return await _list_act(request, session, user, "need", run, N_("The need is on the list."),
                           "needs")


@router.post("/co-building/needs/{need_id}/answer")
async def answer_need(need_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    def run(form):
        service.answer_need(session, actor=user, need_id=need_id, answer=form.get("answer", ""))
    return await _list_act(request, session, user, f"answer-{need_id}", run,
                           N_("The answer is recorded."), f"need-{need_id}")


@router.post("/co-building/projects")
async def add_project(request: Request, session: SessionDep, user: CurrentUser):
    form_data = await request.form()
    unit_ids = [i for i in (_int(v) for v in form_data.getlist("unit_ids")) if i is not None]

    def run(form):
        service.add_project(session, actor=user, title=form.get("title", ""),
                            detail=form.get("detail", ""), need_id=_int(form.get("need_id")),
                            unit_ids=unit_ids, started_on=form.get("date") or None)
    return await _list_act(request, session, user, "project", run,
                           N_("The project is on the list."), "projects")


@router.post("/co-building/projects/{project_id}/units")
async def take_on(project_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    def run(form):
        unit_id = _int(form.get("unit_id"))
        if unit_id is None:
            raise Invalid("Choose a unit.", field="unit_id")
        service.take_on_project(session, actor=user, project_id=project_id, unit_id=unit_id,
                                resource_id=_int(form.get("resource_id")))
    return await _list_act(request, session, user, f"take-{project_id}", run,
                           N_("The unit takes on the project."), f"project-{project_id}")


@router.post("/co-building/projects/{project_id}/status")
async def project_status(project_id: Id, request: Request, session: SessionDep,
                         user: CurrentUser):
    def run(form):
        service.set_project_status(session, actor=user, project_id=project_id,
                                   status=form.get("status", ""),
                                   done_on=form.get("done_on") or None)
    return await _list_act(request, session, user, f"status-{project_id}", run,
                           N_("The project's status is saved."), f"project-{project_id}")


