"""/api/v1/users/{id}/appointment: a part-time member's five R2.2 steps (secretary)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from meetingroom.community import appointment
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.types import Day, Id, Line, Text

router = APIRouter(tags=["committee"])

Step = Literal["recommend", "select", "approve", "appoint", "notice"]


class StepIn(BaseModel):
    step: Step = Field(description="the next R2.2 step, in order: recommend → select → approve "
                                   "→ appoint → notice")
    date: Day
    done_by: Line = Field(max_length=100, description="who did it: a person or a body")
    note: Text = Field(default="", max_length=500)


class StepOut(BaseModel):
    step: Step
    date: dt.date
    done_by: str
    note: str


class AppointmentOut(BaseModel):
    user_id: int
    steps: list[StepOut]
    next_step: Step | None
    complete: bool = Field(description="the public notice is on record: he may hold a seat")


def _out(record: appointment.AppointmentRecord) -> AppointmentOut:
    return AppointmentOut(user_id=record.person.id, next_step=record.next_step,
                          complete=record.complete,
                          steps=[StepOut(step=s.step, date=s.done_on, done_by=s.done_by,
                                         note=s.note) for s in record.steps])


@router.get("/users/{user_id}/appointment", response_model=AppointmentOut,
            summary="A part-time member's R2.2 appointment record (secretary)")
def get_appointment(user_id: Id, user: CurrentUser, session: SessionDep):
    return _out(appointment.appointment_record(session, actor=user, user_id=user_id))


@router.post("/users/{user_id}/appointment", response_model=AppointmentOut, status_code=201,
             summary="Record the next R2.2 step: date and who did it (secretary); 409 out of order")
def record_step(user_id: Id, body: StepIn, user: CurrentUser, session: SessionDep):
    return _out(appointment.record_appointment_step(
        session, actor=user, user_id=user_id, step=body.step, done_on=body.date,
        done_by=body.done_by, note=body.note))
