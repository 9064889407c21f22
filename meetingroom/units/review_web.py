"""Pages of the year-end review (R5.4): the list, the secretary's set-up and console, the
scorer's phone page, the projector, the results and a printable result sheet. Plain forms (post,
then redirect); the projector and console boards follow the live socket (review_live.py)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from meetingroom.auth.service import list_users, require_secretary
from meetingroom.community.service import list_units
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Invalid
from meetingroom.i18n import gettext
from meetingroom.meetings.live import bind_hub
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, parse_id
from meetingroom.units import review as service
from meetingroom.units.review_sheets import GRADES, ROLES, SIDES, Sheet

router = APIRouter(dependencies=[Depends(bind_hub)])
CRITERIA_ROWS = 6  # empty rows the set-up form offers per side


def _message(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


def _ctx(**extra) -> dict:
    return {"labels_grades": GRADES, "roles": ROLES, "sides": SIDES, **extra}


@router.get("/reviews")
def reviews_page(request: Request, session: SessionDep, user: CurrentUser):
    return page(request, "units/review_list.html",
                **_ctx(reviews=service.list_reviews(session, actor=user)))


# ------------------------------------------------------------------------------------ set-up


def _new(request: Request, session, user, *, form: dict, errors: dict, status_code: int = 200):
    return page(request, "units/review_new.html", status_code=status_code,
                units=list_units(session, user.community_id), rows=CRITERIA_ROWS,
                **_ctx(form=form, errors=errors))


@router.get("/reviews/new")
def new_review_form(request: Request, session: SessionDep, user: CurrentUser):
    require_secretary(user)
    year = service.today().year
    criteria = {side: [(c.name, c.weight) for c in service.default_criteria(gettext)
                       if c.side == side] for side in ("unit", "committee")}
    return _new(request, session, user, errors={},
                form={"year": year, "title": gettext("Two-way review {year}", year=year),
                      "secret": True, "held_on": "", "criteria": criteria, "unit_ids": None})


def _int(value: str, field: str) -> int:
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 6:
        raise Invalid("Enter a whole number.", field=field)
    return int(value)


@router.post("/reviews")
async def create_review(request: Request, session: SessionDep, user: CurrentUser):
    require_secretary(user)
    data = await request.form()
    criteria_form: dict[str, list[tuple[str, str]]] = {}
    criteria: list[service.CriterionIn] = []
    form = {"year": str(data.get("year", "")), "title": str(data.get("title", "")),
            "secret": data.get("secret") == "1", "held_on": str(data.get("held_on", "")),
            "criteria": criteria_form,
            "unit_ids": [v for v in data.getlist("unit_ids") if isinstance(v, str)]}
    try:
        for side in ("unit", "committee"):
            names = [str(v) for v in data.getlist(f"{side}_name")][:service.MAX_CRITERIA]
            weights = [str(v) for v in data.getlist(f"{side}_weight")][:service.MAX_CRITERIA]
            criteria_form[side] = list(zip(names, weights, strict=False))
            for name, weight in criteria_form[side]:
                if not name.strip() and not weight.strip():
                    continue
                criteria.append(service.CriterionIn(side, name, _int(weight, "criteria")))
        held_on = None
        if form["held_on"].strip():
            try:
                held_on = date.fromisoformat(form["held_on"].strip())
            except ValueError:
                raise Invalid("Enter a valid date.", field="held_on") from None
        unit_ids = [int(v) for v in form["unit_ids"] if v.isdigit() and len(v) < 10]
        review = service.create_review(session, actor=user, year=_int(form["year"], "year"),
                                       title=form["title"], secret=form["secret"],
                                       held_on=held_on, criteria=criteria, unit_ids=unit_ids)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        session.rollback()
        form["unit_ids"] = [int(v) for v in form["unit_ids"] if v.isdigit() and len(v) < 10]
        return _new(request, session, user, form=form, status_code=exc.status_code,
                    errors={getattr(exc, "field", None) or "_": _message(exc),
                            "rule": exc.rule})
    flash(request, "The review is set up. Check the scorers, then open the scoring.")
    return RedirectResponse(f"/reviews/{review.id}", status_code=303)


# ------------------------------------------------------------------------------------ console


def _console(request: Request, session, user, review_id: Id, *,
             error: tuple | None = None,
             status_code: int = 200):
    require_secretary(user)
    review = service.get_review(session, community_id=user.community_id, review_id=review_id)
    people = list_users(session, actor=user, limit=500, offset=0, query="").items
    return page(request, "units/review_console.html", status_code=status_code,
                **_ctx(b=service.board(session, review),
                       scorers=service.scorer_names(session, review), people=people,
                       error=error))


@router.get("/reviews/{review_id}")
def review_page(review_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    if not user.is_secretary:
        return RedirectResponse(f"/reviews/{review_id}/score", status_code=303)
    return _console(request, session, user, review_id)


def _act(request: Request, session, user, review_id: Id, action, done: str, **kw):
    try:
        action(session, actor=user, review_id=review_id, **kw)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        return _console(request, session, user, review_id, error=(exc.rule, _message(exc)),
                        status_code=exc.status_code)
    flash(request, done)
    return RedirectResponse(f"/reviews/{review_id}", status_code=303)


@router.post("/reviews/{review_id}/open")
def open_review(review_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _act(request, session, user, review_id, service.open_review, "Scoring is open.")


@router.post("/reviews/{review_id}/close")
def close_review(review_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _act(request, session, user, review_id, service.close_review, "Scoring is closed.")


@router.post("/reviews/{review_id}/scorers")
def add_scorer(review_id: Id, request: Request, session: SessionDep, user: CurrentUser,
               user_id: Line = Form(""), role: Line = Form(""), unit_id: Line = Form("")):
    uid = parse_id(user_id) or 0
    unit = parse_id(unit_id)
    return _act(request, session, user, review_id, service.add_scorer, "Scorer added.",
                user_id=uid, role=role, unit_id=unit)


@router.post("/reviews/{review_id}/scorers/{scorer_id}/remove")
def remove_scorer(review_id: Id, scorer_id: Id, request: Request, session: SessionDep,
                  user: CurrentUser):
    return _act(request, session, user, review_id, service.remove_scorer, "Scorer removed.",
                scorer_id=scorer_id)


# ------------------------------------------------------------------------------------ scoring


def _score_page(request: Request, session, user, review_id: Id, *, errors: dict | None = None,
                form: dict | None = None, status_code: int = 200):
    review, tasks = service.my_tasks(session, actor=user, review_id=review_id)
    return page(request, "units/review_score.html", status_code=status_code,
                **_ctx(review=review, tasks=tasks, errors=errors or {}, form=form or {},
                       max_points=service.MAX_POINTS))


@router.get("/reviews/{review_id}/score")
def score_page(review_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _score_page(request, session, user, review_id)


@router.post("/reviews/{review_id}/score/{subject_id}")
async def submit_score(review_id: Id, subject_id: Id, request: Request, session: SessionDep,
                       user: CurrentUser):
    data = await request.form()
    raw = {k[2:]: str(v) for k, v in data.items() if k.startswith("c-")}
    try:
        marks = {}
        for key, value in raw.items():
            if not key.isdigit() or len(key) > 9:
                raise Invalid("Score every criterion, and only those.", field="marks")
            value = value.strip()
            if not value.isdigit() or len(value) > 3:
                raise Invalid("Each score is a whole number from 0 to {n}.", field="marks",
                              n=service.MAX_POINTS)
            marks[int(key)] = int(value)
        subject = service.submit_scores(session, actor=user, review_id=review_id,
                                        subject_id=subject_id, marks=marks)
    except DomainError as exc:
        if exc.status_code in (401, 404):
            raise
        session.rollback()
        return _score_page(request, session, user, review_id, status_code=exc.status_code,
                           errors={subject_id: (exc.rule, _message(exc))},
                           form={subject_id: raw})
    flash(request, "Your scores for {name} are in.", name=subject.name)
    return RedirectResponse(f"/reviews/{review_id}/score#done-{subject_id}", status_code=303)


# ------------------------------------------------------------------------------------ screens


@router.get("/reviews/{review_id}/projector")
def projector(review_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return page(request, "units/review_projector.html",
                **_ctx(b=service.review_board(session, actor=user, review_id=review_id)))


@router.get("/reviews/{review_id}/results")
def results(review_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    b = service.review_board(session, actor=user, review_id=review_id)
    return page(request, "units/review_results.html", **_ctx(b=b))


@router.get("/reviews/{review_id}/subjects/{subject_id}/sheet")
def result_sheet(review_id: Id, subject_id: Id, request: Request, session: SessionDep,
                 user: CurrentUser):
    b = service.review_board(session, actor=user, review_id=review_id)
    return page(request, "units/review_sheet.html", **_ctx(b=b, sheet=Sheet(session, b,
                                                                            subject_id)))
