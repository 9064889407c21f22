"""/api/v1 for member units (R5): units and their profile, contacts, the needs, resources and
projects lists, good deeds and thanks, annual reports, reminder talks, the board and the
co-building report (CONTRACT.md "Member units (R5)")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ValidationError

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser, OptionalUser
from meetingroom.errors import BadRequest
from meetingroom.photos import MAX_PHOTOS, Upload
from meetingroom.settings import get_settings
from meetingroom.types import Day, Id, Line, Offset
from meetingroom.units import board, cobuilding, service
from meetingroom.units.schemas import (
    AnswerIn,
    BoardOut,
    ContactIn,
    ContactOut,
    ContactPage,
    DeedIn,
    DeedOut,
    DeedPage,
    MissingReport,
    NeedIn,
    NeedOut,
    NeedPage,
    Page,
    PersonRef,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    ReminderIn,
    ReminderOut,
    ReminderPage,
    ReportIn,
    ReportOut,
    ReportPage,
    ResourceIn,
    ResourceOut,
    ResourcePage,
    TakeOnIn,
    ThanksOut,
    UnitFlagOut,
    UnitIn,
    UnitOut,
    UnitPage,
)

router = APIRouter(tags=["member units"])
LimitQ = Annotated[int, Query(ge=1, le=100)]
OffsetQ = Annotated[Offset, Query(ge=0, le=1_000_000)]
YearQ = Annotated[int | None, Query(ge=2000, le=2100)]


# --- JSON or multipart bodies (deeds with photos, reports with an attachment) --------------------

async def _json_or_form(request: Request, model: type[BaseModel], fields: tuple[str, ...],
                        file_field: str, max_files: int) -> tuple[BaseModel, list[Upload]]:
    ctype = request.headers.get("content-type", "")
    uploads: list[Upload] = []
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        limit = max(get_settings().max_photo_bytes, service.MAX_ATTACHMENT)
        form = await request.form(max_files=max_files + 2)
        data = {k: form.get(k) for k in fields if form.get(k) not in (None, "")}
        files = [f for f in form.getlist(file_field) if not isinstance(f, str)]
        for item in files:
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
        return model.model_validate(data), uploads
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _multipart_doc(model: type[BaseModel], file_field: str, max_files: int) -> dict:
    schema = model.model_json_schema()
    props = dict(schema.get("properties", {}))
    props[file_field] = {"type": "array", "maxItems": max_files,
                         "items": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema},
        "multipart/form-data": {"schema": {"type": "object", "properties": props,
                                           "required": schema.get("required", [])}}}}}


async def deed_body(request: Request) -> tuple[BaseModel, list[Upload]]:
    return await _json_or_form(request, DeedIn, ("title", "date", "beneficiaries", "detail"),
                               "photos", MAX_PHOTOS)


async def report_body(request: Request) -> tuple[BaseModel, list[Upload]]:
    return await _json_or_form(request, ReportIn, ("member_id", "year", "text", "date"),
                               "attachment", 1)


# --- units ---------------------------------------------------------------------------------------

def _units_out(session, community_id: Id, units, viewer) -> list[UnitOut]:
    members = service.part_time_members(session, community_id=community_id)
    staff = service.is_staff(viewer)
    return [UnitOut.of(u, members.get(u.id, []), staff=staff) for u in units]


@router.get("/units", response_model=UnitPage,
            summary="Member units (成员单位); contact details only for the secretary and "
                    "committee members (R5.6)")
def list_units(session: SessionDep, community: CurrentCommunity, user: OptionalUser,
               limit: LimitQ = 50, offset: OffsetQ = 0):
    rows, total = service.list_units(session, community_id=community.id, limit=limit,
                                     offset=offset)
    return UnitPage(items=_units_out(session, community.id, rows, user), **Page.capped(total))


@router.get("/units/board", response_model=BoardOut,
            summary="Which units fall short of R5.1–R5.3, and the needs nobody has answered "
                    "(secretary and committee members)")
def unit_board(session: SessionDep, user: CurrentUser):
    b = board.unit_board(session, actor=user)
    return BoardOut(
        date=b.today, half_year_start=b.half_start,
        units=[UnitFlagOut(unit_id=f.unit.id, unit_name=f.unit.name, last_contact=f.last_contact,
                           no_contact_this_half_year=f.no_contact,
                           deeds_this_year=f.deeds_this_year, no_deed_this_year=f.no_deed,
                           reports_missing=[PersonRef(id=m.id, name=m.name)
                                            for m in f.reports_missing],
                           propose_reminder=f.propose_reminder) for f in b.units],
        unanswered_needs=[NeedOut.of(n) for n in b.unanswered],
        unanswered_total=b.unanswered_total)


@router.get("/units/{unit_id}", response_model=UnitOut, summary="One member unit's profile")
def get_unit(unit_id: Id, session: SessionDep, community: CurrentCommunity,
             user: OptionalUser):
    unit = service.get_unit(session, community_id=community.id, unit_id=unit_id)
    return _units_out(session, community.id, [unit], user)[0]


@router.post("/units", response_model=UnitOut, status_code=201,
             summary="Add a member unit with its profile (secretary)")
def add_unit(body: UnitIn, user: CurrentUser, session: SessionDep):
    from meetingroom.community.service import add_unit as add

    unit = add(session, actor=user, **body.model_dump())
    return _units_out(session, user.community_id, [unit], user)[0]


@router.put("/units/{unit_id}", response_model=UnitOut,
            summary="Replace a member unit's profile (secretary; fields left out become empty)")
def update_unit(unit_id: Id, body: UnitIn, user: CurrentUser, session: SessionDep):
    from meetingroom.community.service import update_unit as update

    unit = update(session, actor=user, unit_id=unit_id, **body.model_dump())
    return _units_out(session, user.community_id, [unit], user)[0]


# --- contacts (R5.1) -----------------------------------------------------------------------------

@router.get("/units/{unit_id}/contacts", response_model=ContactPage,
            summary="A unit's contacts log, newest first (secretary and committee members)")
def list_contacts(unit_id: Id, session: SessionDep, user: CurrentUser, limit: LimitQ = 20,
                  offset: OffsetQ = 0):
    rows, total = service.list_contacts(session, actor=user, unit_id=unit_id, limit=limit,
                                        offset=offset)
    return ContactPage(items=[ContactOut.of(c) for c in rows], **Page.capped(total))


@router.post("/units/{unit_id}/contacts", response_model=ContactOut, status_code=201,
             summary="Log a contact: the unit reported in (报到) or the community visited (走访); "
                     "`needs` raised join the needs list")
def log_contact(unit_id: Id, body: ContactIn, user: CurrentUser, session: SessionDep):
    contact = service.log_contact(session, actor=user, unit_id=unit_id, direction=body.direction,
                                  held_on=body.date, who=body.who, note=body.note,
                                  needs=body.needs)
    return ContactOut.of(contact)


# --- needs, resources, projects (R5.5) -----------------------------------------------------------

@router.get("/needs", response_model=NeedPage,
            summary="The needs list (需求清单), newest first; `status=open` for unanswered")
def list_needs(session: SessionDep, user: CurrentUser, status: Line | None = None,
               unit_id: Id | None = Query(None, ge=1), limit: LimitQ = 20,
               offset: OffsetQ = 0):
    rows, total = service.list_needs(session, actor=user, status=status, unit_id=unit_id,
                                     limit=limit, offset=offset)
    return NeedPage(items=[NeedOut.of(n) for n in rows], **Page.capped(total))


@router.post("/needs", response_model=NeedOut, status_code=201,
             summary="Put a need on the list (secretary or committee member)")
def add_need(body: NeedIn, user: CurrentUser, session: SessionDep):
    return NeedOut.of(service.add_need(session, actor=user, **body.model_dump()))


@router.post("/needs/{need_id}/answer", response_model=NeedOut,
             summary="Answer a need (secretary or committee member)")
def answer_need(need_id: Id, body: AnswerIn, user: CurrentUser, session: SessionDep):
    return NeedOut.of(service.answer_need(session, actor=user, need_id=need_id,
                                          answer=body.answer))


@router.get("/units/{unit_id}/resources", response_model=ResourcePage,
            summary="What a unit offers (资源清单)")
def list_unit_resources(unit_id: Id, session: SessionDep, user: CurrentUser,
                        limit: LimitQ = 20, offset: OffsetQ = 0):
    rows, total = service.list_resources(session, actor=user, unit_id=unit_id, limit=limit,
                                         offset=offset)
    return ResourcePage(items=[ResourceOut.of(r) for r in rows], **Page.capped(total))


@router.get("/resources", response_model=ResourcePage,
            summary="The resources list of every unit (资源清单)")
def list_resources(session: SessionDep, user: CurrentUser, limit: LimitQ = 20,
                   offset: OffsetQ = 0):
    rows, total = service.list_resources(session, actor=user, limit=limit, offset=offset)
    return ResourcePage(items=[ResourceOut.of(r) for r in rows], **Page.capped(total))


@router.post("/units/{unit_id}/resources", response_model=ResourceOut, status_code=201,
             summary="Offer a resource (secretary or the unit's part-time member)")
def add_resource(unit_id: Id, body: ResourceIn, user: CurrentUser, session: SessionDep):
    return ResourceOut.of(service.add_resource(session, actor=user, unit_id=unit_id,
                                               **body.model_dump()))


def _project_out(session, project) -> ProjectOut:
    return ProjectOut.of(project, service.project_units(session, [project.id])[project.id])


@router.get("/projects", response_model=ProjectPage, summary="The projects list (项目清单)")
def list_projects(session: SessionDep, user: CurrentUser, status: Line | None = None,
                  limit: LimitQ = 20, offset: OffsetQ = 0):
    rows, total = service.list_projects(session, actor=user, status=status, limit=limit,
                                        offset=offset)
    takers = service.project_units(session, [p.id for p in rows])
    return ProjectPage(items=[ProjectOut.of(p, takers[p.id]) for p in rows],
                       **Page.capped(total))


@router.post("/projects", response_model=ProjectOut, status_code=201,
             summary="Match a need with units in a project (secretary)")
def add_project(body: ProjectIn, user: CurrentUser, session: SessionDep):
    project = service.add_project(session, actor=user, title=body.title, detail=body.detail,
                                  need_id=body.need_id, unit_ids=body.unit_ids,
                                  started_on=body.date)
    return _project_out(session, project)


@router.post("/projects/{project_id}/units", response_model=ProjectOut, status_code=201,
             summary="A unit takes on (承接) the project (secretary or its part-time member)")
def take_on(project_id: Id, body: TakeOnIn, user: CurrentUser, session: SessionDep):
    service.take_on_project(session, actor=user, project_id=project_id, unit_id=body.unit_id,
                            resource_id=body.resource_id)
    return _project_out(session, service.get_project(session, community_id=user.community_id,
                                                     project_id=project_id))


@router.patch("/projects/{project_id}", response_model=ProjectOut,
              summary="Move a project on (secretary); `done` records each taking unit's good "
                      "deed (R5.5)")
def patch_project(project_id: Id, body: ProjectPatch, user: CurrentUser, session: SessionDep):
    project = service.set_project_status(session, actor=user, project_id=project_id,
                                         status=body.status, done_on=body.done_on)
    return _project_out(session, project)


# --- good deeds (R5.2) ---------------------------------------------------------------------------

def _deeds_out(session, community_id: Id, rows, viewer) -> list[DeedOut]:
    names = service.unit_names(session, community_id=community_id)
    pics = service.deed_photos(session, [d.id for d in rows])
    mine = service.thanked_by(session, viewer, [d.id for d in rows])
    return [DeedOut.of(d, unit_name=names.get(d.unit_id, ""), pics=pics[d.id],
                       thanked=d.id in mine) for d in rows]


@router.get("/deeds", response_model=DeedPage,
            summary="Every unit's good deeds (实事好事), newest first; public")
def list_deeds(session: SessionDep, community: CurrentCommunity, user: OptionalUser,
               year: YearQ = None, limit: LimitQ = 20, offset: OffsetQ = 0):
    rows, total = service.list_deeds(session, community_id=community.id, year=year, limit=limit,
                                     offset=offset)
    return DeedPage(items=_deeds_out(session, community.id, rows, user), **Page.capped(total))


@router.get("/units/{unit_id}/deeds", response_model=DeedPage,
            summary="One unit's good deeds, newest first; public")
def list_unit_deeds(unit_id: Id, session: SessionDep, community: CurrentCommunity,
                    user: OptionalUser, year: YearQ = None, limit: LimitQ = 20,
                    offset: OffsetQ = 0):
    rows, total = service.list_deeds(session, community_id=community.id, unit_id=unit_id,
                                     year=year, limit=limit, offset=offset)
    return DeedPage(items=_deeds_out(session, community.id, rows, user), **Page.capped(total))


@router.post("/units/{unit_id}/deeds", response_model=DeedOut, status_code=201,
             openapi_extra=_multipart_doc(DeedIn, "photos", MAX_PHOTOS),
             summary="Record a good deed, as JSON or multipart with up to 3 `photos` "
                     "(secretary or the unit's part-time member)")
def record_deed(unit_id: Id, session: SessionDep, user: CurrentUser,
                body: Annotated[tuple[DeedIn, list[Upload]], Depends(deed_body)]):
    data, uploads = body
    deed = service.record_deed(session, actor=user, unit_id=unit_id, title=data.title,
                               done_on=data.date, beneficiaries=data.beneficiaries,
                               detail=data.detail, uploads=uploads)
    return _deeds_out(session, user.community_id, [deed], user)[0]


@router.post("/deeds/{deed_id}/thanks", response_model=ThanksOut,
             summary="Thank (点赞) a good deed; once per person, a repeat changes nothing")
def thank(deed_id: Id, session: SessionDep, user: CurrentUser):
    deed = service.thank_deed(session, actor=user, deed_id=deed_id)
    return ThanksOut(deed_id=deed.id, thanks=deed.thanks, thanked=True)


# --- annual reports and the co-building report (R5.3) --------------------------------------------

def _reports_out(session, rows) -> list[ReportOut]:
    names = service.user_names(session, [r.member_id for r in rows])
    return [ReportOut.of(r, names.get(r.member_id, "")) for r in rows]


@router.get("/reports", response_model=ReportPage,
            summary="Annual reports (述职); with `year`, also the part-time members missing one")
def list_reports(session: SessionDep, user: CurrentUser, year: YearQ = None,
                 limit: LimitQ = 20, offset: OffsetQ = 0):
    rows, total = service.list_reports(session, actor=user, year=year, limit=limit,
                                       offset=offset)
    missing = []
    if year is not None:
        missing = [MissingReport(member_id=m.id, member_name=m.name, unit_id=m.unit_id)
                   for m in service.missing_reports(session, community_id=user.community_id,
                                                    year=year)]
    return ReportPage(items=_reports_out(session, rows), missing=missing, **Page.capped(total))


@router.get("/units/{unit_id}/reports", response_model=ReportPage,
            summary="The annual reports of a unit's part-time members")
def list_unit_reports(unit_id: Id, session: SessionDep, user: CurrentUser, year: YearQ = None,
                      limit: LimitQ = 20, offset: OffsetQ = 0):
    rows, total = service.list_reports(session, actor=user, year=year, unit_id=unit_id,
                                       limit=limit, offset=offset)
    return ReportPage(items=_reports_out(session, rows), **Page.capped(total))


@router.post("/units/{unit_id}/reports", response_model=ReportOut, status_code=201,
             openapi_extra=_multipart_doc(ReportIn, "attachment", 1),
             summary="Hand in an annual report, as JSON or multipart with one `attachment` "
                     "(.docx or .pdf, checked by content); the member himself or the secretary")
def hand_in_report(unit_id: Id, session: SessionDep, user: CurrentUser,
                   body: Annotated[tuple[ReportIn, list[Upload]], Depends(report_body)]):
    data, uploads = body
    if len(uploads) > 1:
        raise BadRequest("Attach one file at most.")
    attachment = service.Attachment(uploads[0].data, uploads[0].filename) if uploads else None
    report = service.hand_in_report(session, actor=user, member_id=data.member_id,
                                    unit_id=unit_id, year=data.year, text_=data.text,
                                    given_on=data.date, attachment=attachment)
    return _reports_out(session, [report])[0]


@router.get("/reports/{report_id}/attachment", response_class=FileResponse,
            summary="A report's attachment (the member, the secretary, committee members)")
def report_attachment(report_id: Id, session: SessionDep, user: CurrentUser):
    path, media, name = service.report_file(session, actor=user, report_id=report_id)
    return FileResponse(path, media_type=media, filename=name,
                        headers={"Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff"})


@router.get("/units/{unit_id}/cobuilding-report",
            response_class=Response,
            responses={200: {"content": {cobuilding.DOCX: {}}}},
            summary="The co-building report (共建情况报告) to the unit's higher organisation for a "
                    "period, as .docx (secretary and committee members)")
def cobuilding_report(unit_id: Id, session: SessionDep, user: CurrentUser,
                      start: Day = Query(description="first day of the period"),
                      end: Day = Query(description="last day of the period")):
    data, filename = cobuilding.report_docx(session, actor=user, unit_id=unit_id, start=start,
                                            end=end)
    return Response(data, media_type=cobuilding.DOCX, headers={
        "Content-Disposition": cobuilding.disposition(filename),
        "Cache-Control": "private, no-store"})


# --- reminder talks (R5.3) -----------------------------------------------------------------------

@router.get("/units/{unit_id}/reminders", response_model=ReminderPage,
            summary="Reminder talks (提醒谈话) held with a unit")
def list_reminders(unit_id: Id, session: SessionDep, user: CurrentUser, limit: LimitQ = 20,
                   offset: OffsetQ = 0):
    rows, total = service.list_reminders(session, actor=user, unit_id=unit_id, limit=limit,
                                         offset=offset)
    return ReminderPage(items=[ReminderOut.of(r) for r in rows], **Page.capped(total))


@router.post("/units/{unit_id}/reminders", response_model=ReminderOut, status_code=201,
             summary="Record a reminder talk with a unit that falls short (secretary)")
def record_reminder(unit_id: Id, body: ReminderIn, user: CurrentUser, session: SessionDep):
    reminder = service.record_reminder(session, actor=user, unit_id=unit_id, held_on=body.date,
                                       held_by=body.held_by, who=body.who, reason=body.reason,
                                       outcome=body.outcome)
    return ReminderOut.of(reminder)
