"""Spreadsheet pages: the roster, units and deeds as .xlsx, and the roster import with its
preview (every row's errors before anything is written)."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile

from meetingroom.auth.service import require_secretary
from meetingroom.community import roster_sheets as service
from meetingroom.community.spreadsheets import MAX_UPLOAD, download
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Invalid
from meetingroom.i18n import gettext
from meetingroom.templating import page
from meetingroom.types import Line

router = APIRouter()
LABELS = dict(zip(service.TEMPLATE_CODES, service.TEMPLATE_HEADER, strict=True))


def read_upload(file: UploadFile | None) -> tuple[bytes, str]:
    """The upload, read at most one byte past the cap (a huge file is refused unread)."""
    if file is None or isinstance(file, str) or not file.filename:
        raise Invalid("Choose a .xlsx or .csv file.", field="file")
    return file.file.read(MAX_UPLOAD + 1), file.filename


@router.get("/roster/export.xlsx")
def roster_export(session: SessionDep, user: CurrentUser):
    return download(service.roster_xlsx(session, actor=user),
                    gettext("roster") + f"-{service.notice.today():%Y%m%d}.xlsx")


@router.get("/units/export.xlsx")
def units_export(session: SessionDep, user: CurrentUser):
    return download(service.units_xlsx(session, actor=user),
                    gettext("member-units") + f"-{service.notice.today():%Y%m%d}.xlsx")


@router.get("/deeds/export.xlsx")
def deeds_export(request: Request, session: SessionDep, year: Line = ""):
    number = int(year) if year.isdigit() and 2000 <= int(year[:4] or 0) <= 2100 and \
        len(year) == 4 else None
    return download(service.deeds_xlsx(session, community_id=request.state.community.id,
                                       year=number),
                    gettext("good-deeds") + (f"-{number}" if number else "") + ".xlsx")


@router.get("/roster/import/template.xlsx")
def import_template(user: CurrentUser):
    require_secretary(user)
    return download(service.template_xlsx(), gettext("roster") + "-template.xlsx")


@router.get("/roster/import")
def import_page(request: Request, user: CurrentUser):
    require_secretary(user)
    return page(request, "community/import.html", column_labels=LABELS, preview=None,
                error=None)


@router.post("/roster/import")
def import_preview(request: Request, session: SessionDep, user: CurrentUser,
                   file: UploadFile | None = File(None)):
    require_secretary(user)
    try:
        content, name = read_upload(file)
        preview = service.preview_import(session, actor=user, content=content, filename=name)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        return page(request, "community/import.html", column_labels=LABELS,
                    status_code=exc.status_code, preview=None,
                    error=gettext(exc.message, **exc.params))
    return page(request, "community/import.html", column_labels=LABELS, preview=preview,
                error=None)


@router.post("/roster/import/{token}")
def import_run(token: Line, request: Request, session: SessionDep, user: CurrentUser,
               mode: Line = Form("all")):
    preview, done = service.run_import(session, actor=user, token=token,
                                       skip_invalid=mode == "skip")
    if done is None:
        return page(request, "community/import.html", column_labels=LABELS,
                    status_code=409, preview=preview,
                    error=gettext("Nothing was imported: some rows have errors. Correct the "
                                  "file and upload it again, or skip the rows with errors."))
    return page(request, "community/import_done.html", done=done, preview=preview)

