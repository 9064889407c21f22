"""The secretary's page for the minutes' remarks and reasons (meetings/notes.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import Invalid
from meetingroom.i18n import gettext
from meetingroom.meetings import notes
from meetingroom.templating import flash, page
from meetingroom.types import Id, parse_id

router = APIRouter()
PREFIXES = ("item", "observer", "absent")


@router.get("/meetings/{meeting_id}/notes")
def notes_page(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    form = notes.notes_form(session, actor=user, meeting_id=meeting_id)
    return page(request, "meetings/notes.html", form=form, errors={})


@router.post("/meetings/{meeting_id}/notes")
async def save_notes(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    fields: dict[str, dict[int, str]] = {p: {} for p in PREFIXES}
    for key, value in (await request.form()).multi_items():
        prefix, _, raw = key.partition("-")
        ident = parse_id(raw) if prefix in fields else None
        if ident is not None and isinstance(value, str):
            fields[prefix][ident] = value
    try:
        meeting = notes.record_notes(session, actor=user, meeting_id=meeting_id,
                                     item_notes=fields["item"],
                                     observer_remarks=fields["observer"],
                                     absences=fields["absent"])
    except Invalid as exc:
        session.rollback()
        form = notes.notes_form(session, actor=user, meeting_id=meeting_id)
        return page(request, "meetings/notes.html", form=form, status_code=422,
                    errors={exc.field or "": gettext(exc.message, **exc.params)})
    flash(request, "Remarks and reasons saved.")
    target = f"/meetings/{meeting_id}/minutes" if meeting.status == "closed" \
        else f"/meetings/{meeting_id}/notes"
    return RedirectResponse(target, status_code=303)
