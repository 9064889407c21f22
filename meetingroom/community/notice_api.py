"""/api/v1: R2.2 public notices and objections, R1.3 posts, and "appointed before the record
began"."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from meetingroom.community import notice as service
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser, OptionalUser
from meetingroom.types import Id, Line, Offset, Text

router = APIRouter(tags=["committee"])

Post = Literal["party_secretary", "deputy_secretary", "director"]
State = Literal["open", "pending", "upheld", "ended", "seated"]


class ObjectionOut(BaseModel):
    id: int
    user_id: int
    text: str
    answer: str
    upheld: bool | None = Field(description="null until the secretary answers")
    created_at: dt.datetime


class NoticeOut(BaseModel):
    id: int
    user_id: int
    name: str
    seat: str = Field(description="the proposed seat: part_time")
    unit_id: int | None
    unit_name: str | None
    starts_on: dt.date
    ends_on: dt.date = Field(description="the last day objections are taken (working days, "
                                         "the community's notice_days setting)")
    how_to_object: str
    state: State = Field(description="open; pending (ended, objections unanswered); upheld; "
                                     "ended (no upheld objection: he may be seated); seated")
    can_seat: bool
    objections: int = Field(description="how many objections there are")
    mine: list[ObjectionOut] = Field(description="the secretary: every objection; anyone else: "
                                                 "his own")


class NoticeList(BaseModel):
    items: list[NoticeOut]
    total: int


class ObjectionIn(BaseModel):
    text: Text = Field(min_length=1, max_length=1000)


class AnswerIn(BaseModel):
    answer: Text = Field(min_length=1, max_length=1000)
    upheld: bool


class PostIn(BaseModel):
    post: Post | None = Field(description="R1.3: null clears it")


class BeforeRecordIn(BaseModel):
    before_record: bool
    note: Line = Field(default="", max_length=200)


class MemberRecordOut(BaseModel):
    user_id: int
    post: Post | None
    before_record: bool
    note: str


def _objection(o) -> ObjectionOut:
    return ObjectionOut(id=o.id, user_id=o.user_id, text=o.text, answer=o.answer,
                        upheld=o.upheld, created_at=o.created_at)


def _out(v: service.NoticeView) -> NoticeOut:
    n = v.notice
    return NoticeOut(id=n.id, user_id=n.user_id, name=v.person.name, seat=n.seat,
                     unit_id=n.unit_id, unit_name=v.unit.name if v.unit else None,
                     starts_on=n.starts_on, ends_on=n.ends_on, how_to_object=n.how_to_object,
                     state=v.state, can_seat=v.can_seat, objections=v.count,
                     mine=[_objection(o) for o in v.objections])


def _record(r) -> MemberRecordOut:
    return MemberRecordOut(user_id=r.user_id, post=r.post, before_record=r.before_record,
                           note=r.before_record_note)


@router.get("/notices", response_model=NoticeList, summary="R2.2 public notices (public)")
def list_notices(session: SessionDep, community: CurrentCommunity, user: OptionalUser,
                 limit: Offset = 50, offset: Offset = 0):
    items = service.list_notices(session, community_id=community.id, viewer=user,
                                 limit=min(limit, 100), offset=offset)
    return NoticeList(items=[_out(v) for v in items], total=len(items))


@router.get("/notices/{notice_id}", response_model=NoticeOut, summary="One public notice")
def get_notice(notice_id: Id, session: SessionDep, community: CurrentCommunity,
               user: OptionalUser):
    return _out(service.read_notice(session, community_id=community.id, viewer=user,
                                    notice_id=notice_id))


@router.post("/notices/{notice_id}/objections", response_model=ObjectionOut, status_code=201,
             summary="Object during the notice period (logged-in resident, once); 409 outside")
def object_to_notice(notice_id: Id, body: ObjectionIn, user: CurrentUser, session: SessionDep):
    return _objection(service.object_to_notice(session, actor=user, notice_id=notice_id,
                                               text=body.text))


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut,
             summary="Answer an objection, upholding it or not (secretary)")
def answer_objection(objection_id: Id, body: AnswerIn, user: CurrentUser, session: SessionDep):
    return _objection(service.answer_objection(session, actor=user, objection_id=objection_id,
                                               answer=body.answer, upheld=body.upheld))


@router.post("/notices/{notice_id}/seat", response_model=NoticeOut,
             summary="Seat the member after a notice that ended without an upheld objection "
                     "(secretary); 409 otherwise")
def seat(notice_id: Id, user: CurrentUser, session: SessionDep):
    return _out(service.seat_after_notice(session, actor=user, notice_id=notice_id))


@router.put("/users/{user_id}/post", response_model=MemberRecordOut,
            summary="R1.3: a member's post (secretary)")
def set_post(user_id: Id, body: PostIn, user: CurrentUser, session: SessionDep):
    return _record(service.set_post(session, actor=user, user_id=user_id, post=body.post))


@router.put("/users/{user_id}/before-record", response_model=MemberRecordOut,
            summary="R2.2: record that a seated part-time member was appointed before the record "
                    "began (secretary)")
def set_before_record(user_id: Id, body: BeforeRecordIn, user: CurrentUser,
                      session: SessionDep):
    return _record(service.set_before_record(session, actor=user, user_id=user_id,
                                             before_record=body.before_record, note=body.note))
