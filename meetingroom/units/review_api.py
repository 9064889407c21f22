"""/api/v1/reviews: the year-end two-way review (双述双评, R5.4) — set-up, scorers, opening and
closing, scores (one per scorer and subject) and results."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.meetings.live import bind_hub
from meetingroom.types import Day, Id, Line
from meetingroom.units import review as service
from meetingroom.units import review_sheets

router = APIRouter(tags=["reviews"], dependencies=[Depends(bind_hub)])

Side = Literal["unit", "committee"]
Role = Literal["member", "resident_rep", "party_rep", "unit_rep"]
Status = Literal["draft", "open", "closed"]


class CriterionIn(BaseModel):
    side: Side = Field(description="the side this criterion scores: each unit, or the committee")
    name: Line = Field(min_length=1, max_length=50)
    weight: int = Field(ge=1, le=100, description="per cent of the side's score; a side's "
                                                  "weights add up to 100")


class ReviewIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    title: Line = Field(default="", max_length=100)
    secret: bool = Field(default=True, description="secret scoring (default): no score is "
                                                   "linked to its scorer, and scores are shown "
                                                   "only once the review is closed")
    held_on: Day | None = None
    criteria: list[CriterionIn] | None = Field(
        default=None, max_length=2 * service.MAX_CRITERIA,
        description="omit for the defaults (units: reporting in and contact 25, good deeds "
                    "30, projects taken on 25, annual report 20; committee: 4 × 25)")
    unit_ids: list[Id] | None = Field(default=None, max_length=1000,
                                       description="the member units scored; omit for all")


class CriterionOut(BaseModel):
    id: int
    side: Side
    name: str
    weight: int


class ReviewOut(BaseModel):
    id: int
    year: int
    title: str
    secret: bool
    status: Status
    held_on: dt.date | None
    criteria: list[CriterionOut]
    scorers: dict[str, int] = Field(description="side → how many score it")


class ReviewList(BaseModel):
    items: list[ReviewOut]
    total: int


class ScorerIn(BaseModel):
    user_id: Id
    role: Role = Field(description="member, resident_rep and party_rep score the units; "
                                   "unit_rep scores the committee")
    unit_id: Id | None = Field(default=None,
                                description="unit_rep only: the unit he represents "
                                            "(default: his own)")


class ScorerOut(BaseModel):
    id: int
    user_id: int
    name: str
    side: Side
    role: Role
    unit_id: int | None


class MarkIn(BaseModel):
    criterion_id: Id
    points: int = Field(ge=0, le=service.MAX_POINTS)


class ScoreIn(BaseModel):
    subject_id: Id = Field(description="from `results`: a unit's or the "
                                                              "committee's subject id")
    marks: list[MarkIn] = Field(min_length=1, max_length=service.MAX_CRITERIA,
                                description="one per criterion of the subject's side")


class SubjectOut(BaseModel):
    subject_id: int
    side: Side
    unit_id: int | None
    name: str
    sheets: int = Field(description="how many have scored it")
    expected: int = Field(description="how many may score it")
    averages: dict[int, float] | None = Field(description="criterion id → average points; "
                                                          "null while hidden")
    score: float | None = Field(description="weighted score 0–100; null while hidden")
    grade: Literal["excellent", "good", "pass", "fail"] | None
    rank: int | None = Field(description="units only: place among the units")


class ResultsOut(BaseModel):
    review: ReviewOut
    hidden: bool = Field(description="a secret review still open: counts only")
    units: list[SubjectOut]
    committee: SubjectOut | None


class SheetOut(BaseModel):
    subject_id: int
    scorer_id: int
    scorer: str
    marks: dict[int, int]


class ScoresOut(BaseModel):
    secret: bool
    scored: list[int] = Field(description="the subjects you have scored")
    to_score: list[int] = Field(description="the subjects you still have to score")
    counts: dict[int, int] = Field(description="subject id → how many have scored it")
    sheets: list[SheetOut] = Field(description="open reviews only: every sheet with its scorer "
                                               "(secretary); empty for a secret review")


def _review(b: service.Board) -> ReviewOut:
    r = b.review
    return ReviewOut(id=r.id, year=r.year, title=r.title, secret=r.secret, status=r.status,
                     held_on=r.held_on, scorers=b.scorers,
                     criteria=[CriterionOut(id=c.id, side=c.side, name=c.name, weight=c.weight)
                               for side in b.criteria.values() for c in side])


def _subject(r: service.SubjectResult) -> SubjectOut:
    s = r.subject
    return SubjectOut(subject_id=s.id, side=s.side, unit_id=s.unit_id, name=s.name,
                      sheets=r.sheets, expected=r.expected, averages=r.averages, score=r.score,
                      grade=r.grade, rank=r.rank)


@router.get("/reviews", response_model=ReviewList,
            summary="Year-end reviews you may read (secretary, committee members, scorers)")
def list_reviews(user: CurrentUser, session: SessionDep):
    items = [_review(service.board(session, r))
             for r in service.list_reviews(session, actor=user)]
    return ReviewList(items=items, total=len(items))


@router.post("/reviews", response_model=ReviewOut, status_code=201,
             summary="Set up the year's review: criteria with weights, units (secretary, R5.4)")
def create_review(body: ReviewIn, user: CurrentUser, session: SessionDep):
    criteria = None if body.criteria is None else [
        service.CriterionIn(c.side, c.name, c.weight) for c in body.criteria]
    review = service.create_review(session, actor=user, year=body.year, title=body.title,
                                   secret=body.secret, held_on=body.held_on, criteria=criteria,
                                   unit_ids=body.unit_ids)
    return _review(service.board(session, review))


@router.get("/reviews/{review_id}", response_model=ReviewOut, summary="One review")
def get_review(review_id: Id, user: CurrentUser, session: SessionDep):
    return _review(service.review_board(session, actor=user, review_id=review_id))


@router.get("/reviews/{review_id}/scorers", response_model=list[ScorerOut],
            summary="Who scores which side (secretary)")
def list_scorers(review_id: Id, user: CurrentUser, session: SessionDep):
    from meetingroom.auth.service import require_secretary

    require_secretary(user)
    review = service.get_review(session, community_id=user.community_id, review_id=review_id)
    return [ScorerOut(id=s.id, user_id=u.id, name=u.name, side=s.side, role=s.role,
                      unit_id=s.unit_id) for s, u in service.scorer_names(session, review)]


@router.post("/reviews/{review_id}/scorers", response_model=ScorerOut, status_code=201,
             summary="Add a scorer (secretary); 409 if he already scores that side")
def add_scorer(review_id: Id, body: ScorerIn, user: CurrentUser, session: SessionDep):
    row = service.add_scorer(session, actor=user, review_id=review_id, user_id=body.user_id,
                             role=body.role, unit_id=body.unit_id)
    from meetingroom.models import User

    return ScorerOut(id=row.id, user_id=row.user_id, name=session.get(User, row.user_id).name,
                     side=row.side, role=row.role, unit_id=row.unit_id)


@router.delete("/reviews/{review_id}/scorers/{scorer_id}", status_code=204,
               summary="Remove a scorer who has not scored yet (secretary)")
def remove_scorer(review_id: Id, scorer_id: Id, user: CurrentUser, session: SessionDep):
    service.remove_scorer(session, actor=user, review_id=review_id, scorer_id=scorer_id)
    return Response(status_code=204)


@router.post("/reviews/{review_id}/open", response_model=ReviewOut,
             summary="Open the scoring (secretary); 409 without scorers on both sides")
def open_review(review_id: Id, user: CurrentUser, session: SessionDep):
    review = service.open_review(session, actor=user, review_id=review_id)
    return _review(service.board(session, review))


@router.post("/reviews/{review_id}/close", response_model=ReviewOut,
             summary="Close the scoring (secretary); a secret review's scores show from now on")
def close_review(review_id: Id, user: CurrentUser, session: SessionDep):
    review = service.close_review(session, actor=user, review_id=review_id)
    return _review(service.board(session, review))


@router.get("/reviews/{review_id}/scores", response_model=ScoresOut,
            summary="Your scoring: what you scored and have yet to score; counts per subject")
def get_scores(review_id: Id, user: CurrentUser, session: SessionDep):
    review, tasks = service.my_tasks(session, actor=user, review_id=review_id)
    b = service.board(session, review)
    sheets = []
    if user.is_secretary:
        sheets = [SheetOut(subject_id=s.subject.id, scorer_id=s.scorer.id, scorer=s.scorer.name,
                           marks=s.marks) for s in service.named_sheets(session, review)]
    return ScoresOut(secret=review.secret, scored=[t.subject.id for t in tasks if t.done],
                     to_score=[t.subject.id for t in tasks if not t.done],
                     counts={r.subject.id: r.sheets for r in b.subjects}, sheets=sheets)


@router.post("/reviews/{review_id}/scores", response_model=SubjectOut, status_code=201,
             summary="Score one subject, once (R5.4): 409 if you already have, 403 if you do "
                     "not score its side or it is your own unit")
def submit_scores(review_id: Id, body: ScoreIn, user: CurrentUser, session: SessionDep):
    marks: dict[int, int] = {}
    for m in body.marks:
        if m.criterion_id in marks:
            from meetingroom.errors import Invalid

            raise Invalid("Score every criterion, and only those.", field="marks", rule="R5.4")
        marks[m.criterion_id] = m.points
    subject = service.submit_scores(session, actor=user, review_id=review_id,
                                    subject_id=body.subject_id, marks=marks)
    b = service.board(session, service.get_review(session, community_id=user.community_id,
                                                  review_id=review_id))
    return _subject(b.result(subject.id))


@router.get("/reviews/{review_id}/results", response_model=ResultsOut,
            summary="Weighted scores per unit and for the committee (hidden while a secret "
                    "review is open)")
def results(review_id: Id, user: CurrentUser, session: SessionDep):
    b = service.review_board(session, actor=user, review_id=review_id)
    return ResultsOut(review=_review(b), hidden=b.hidden, units=[_subject(r) for r in b.units],
                      committee=_subject(b.committee) if b.committee else None)


@router.get("/reviews/{review_id}/scores.xlsx", response_class=Response,
            summary="Every score of the review as a spreadsheet (.xlsx)")
def scores_xlsx(review_id: Id, user: CurrentUser, session: SessionDep):
    b = service.review_board(session, actor=user, review_id=review_id)
    return review_sheets.xlsx_response(review_sheets.scores_xlsx(session, b),
                                       f"review-{b.review.year}-scores.xlsx")


@router.get("/reviews/{review_id}/subjects/{subject_id}/sheet.{fmt}", response_class=Response,
            summary="A subject's result sheet: a unit's for its higher organisation (抄报), the "
                    "committee's for the street party working committee; .docx or .xlsx")
def result_sheet(review_id: Id, subject_id: Id, fmt: Literal["docx", "xlsx"],
                 user: CurrentUser, session: SessionDep):
    b = service.review_board(session, actor=user, review_id=review_id)
    return review_sheets.sheet_response(session, b, subject_id, fmt)
