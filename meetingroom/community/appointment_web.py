"""Roster pages for R2.2 (a part-time member's five appointment steps) and R3.1 (the printable
request to establish the committee)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from meetingroom import types
from meetingroom.community import appointment
from meetingroom.community.service import list_units
from meetingroom.community.web import record_context
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Invalid
from meetingroom.i18n import gettext
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Text

router = APIRouter()


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("Enter a valid date.", field="done_on") from None
    if not types.day_in_window(day):
        raise Invalid("Enter a date between {first} and {last}.", field="done_on",
                      first=types.FIRST_YEAR, last=types.LAST_YEAR)
    return day


@router.post("/roster/users/{user_id}/appointment")
def record_step(user_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                step: Line = Form(""), done_on: Line = Form(""), done_by: Line = Form(""),
                note: Text = Form("")):
    form = {"step": step, "done_on": done_on, "done_by": done_by, "note": note}
    try:
        appointment.record_appointment_step(session, actor=user, user_id=user_id, step=step,
                                            done_on=_date(done_on), done_by=done_by, note=note)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        record = appointment.appointment_record(session, actor=user, user_id=user_id)
        return page(request, "community/person.html", status_code=exc.status_code,
                    person=record.person, units=list_units(session, user.community_id),
                    **record_context(session, record.person),
                    errors={}, appointment=record, appointment_form=form,
                    appointment_errors={getattr(exc, "field", None) or "_":
                                        gettext(exc.message, **exc.params)},
                    appointment_rule=exc.rule)
    flash(request, "Step recorded.")
    return RedirectResponse(f"/roster/users/{user_id}#appointment", status_code=303)


@router.get("/roster/request")
def establishment_request(request: Request, session: SessionDep, user: CurrentUser):
    return page(request, "community/request.html",
                req=appointment.establishment_request(session, actor=user))
