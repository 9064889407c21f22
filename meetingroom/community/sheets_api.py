"""/api/v1 spreadsheets: the roster, member units and good deeds as .xlsx, and the roster import
in two steps (check, then import) like the preview page."""

from __future__ import annotations

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from meetingroom.community import roster_sheets as service
from meetingroom.community.sheets_web import read_upload
from meetingroom.community.spreadsheets import download
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser
from meetingroom.types import Line

router = APIRouter(tags=["spreadsheets"])


class RowOut(BaseModel):
    line: int = Field(description="the row's number in the spreadsheet (the header is 1)")
    values: dict[str, str] = Field(description="column code (name, phone, address, seat, unit, "
                                               "party_member, post) → the cell as read")
    errors: list[str] = Field(description="empty when the row can be imported")


class PreviewOut(BaseModel):
    token: str = Field(description="import with POST /roster/import/{token} within an hour")
    columns: list[str]
    unknown_columns: list[str]
    valid: int
    invalid: int
    rows: list[RowOut]


class ImportIn(BaseModel):
    skip_invalid: bool = Field(default=False, description="import the valid rows and skip the "
                                                          "others; else all rows must be valid")


class CreatedOut(BaseModel):
    id: int
    name: str
    phone: str
    password: str | None = Field(description="the generated initial password (shown once); "
                                             "null when the file gave one")


class ImportOut(BaseModel):
    created: list[CreatedOut]
    skipped: int


def _preview(p: service.Preview) -> PreviewOut:
    return PreviewOut(token=p.token, columns=p.columns, unknown_columns=p.unknown,
                      valid=len(p.valid), invalid=len(p.invalid),
                      rows=[RowOut(line=r.line, values={k: v for k, v in r.values.items()
                                                        if k != "password"}, errors=r.errors)
                            for r in p.rows])


XLSX: dict = {200: {"content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}


@router.get("/roster.xlsx", response_class=Response, responses=XLSX,
            summary="The roster as a spreadsheet (secretary)")
def roster_xlsx(user: CurrentUser, session: SessionDep):
    return download(service.roster_xlsx(session, actor=user), "roster.xlsx")


@router.get("/units.xlsx", response_class=Response, responses=XLSX,
            summary="Member units with their profiles and contacts (secretary, committee "
                    "members: R5.6)")
def units_xlsx(user: CurrentUser, session: SessionDep):
    return download(service.units_xlsx(session, actor=user), "member-units.xlsx")


@router.get("/deeds.xlsx", response_class=Response, responses=XLSX,
            summary="Good deeds (public, R5.2); ?year= for one year")
def deeds_xlsx(session: SessionDep, community: CurrentCommunity, year: Line = ""):
    year_ = int(year) if len(year) == 4 and year.isdigit() and 2000 <= int(year) <= 2100 \
        else None
    return download(service.deeds_xlsx(session, community_id=community.id, year=year_),
                    "good-deeds.xlsx")


@router.post("/roster/import", response_model=PreviewOut,
             summary="Check a roster spreadsheet (.xlsx/.csv): every row and its errors; "
                     "nothing is written (secretary)")
def check_import(user: CurrentUser, session: SessionDep, file: UploadFile | None = File(None)):
    content, name = read_upload(file)
    return _preview(service.preview_import(session, actor=user, content=content, filename=name))


@router.post("/roster/import/{token}", response_model=ImportOut, status_code=201,
             responses={409: {"model": PreviewOut, "description": "some rows have errors and "
                                                                   "skip_invalid is false: "
                                                                   "nothing was written"}},
             summary="Import a checked spreadsheet (secretary)")
def run_import(token: Line, body: ImportIn, user: CurrentUser, session: SessionDep):
    preview, done = service.run_import(session, actor=user, token=token,
                                       skip_invalid=body.skip_invalid)
    if done is None:
        body_ = _preview(preview).model_dump()
        return JSONResponse({"detail": "Some rows have errors; nothing was imported.",
                             **body_}, status_code=409)
    return ImportOut(created=[CreatedOut(id=d.user.id, name=d.user.name, phone=d.user.phone,
                                         password=d.password if d.generated else None)
                              for d in done], skipped=len(preview.invalid))
