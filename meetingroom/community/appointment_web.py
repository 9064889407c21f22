"""Roster pages for R2.2 (a part-time member's five appointment steps) and R3.1 (the printable
request to establish the committee)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from meetingroom.community import appointment
from meetingroom.community.service import list_units
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Invalid
from meetingroom.i18n import gettext
from meetingroom.templating import flash, page

router = APIRouter()


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("Enter a valid date.", field="done_on") from None


@router.post("/roster/users/{user_id}/appointment")
def record_step(user_id: int, request: Request, session: SessionDep, user: CurrentUser,
                step: str = Form(""), done_on: str = Form(""), done_by: str = Form(""),
                note: str = Form("")):
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
