"""The year-end two-way review (双述双评, R5.4): the secretary sets up the year's review (criteria
with weights for each side, the units scored, who scores), opens it, the scorers score (each once
per subject, secret by default), the secretary closes it, and the results go out: per unit a sheet
for its higher organisation (抄报), the committee's for the street party working committee.

Secrecy follows the secret ballot (R7.6): a sheet row says only that someone scored a subject; the
points go into running sums that name nobody. While a secret review is open, only how many have
scored is shown; the scores appear when it closes. An open (named) review shows them as they come.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from meetingroom import audit, db
from meetingroom.auth.service import require_secretary
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Forbidden, Invalid, NotFound
from meetingroom.labels import N_
from meetingroom.models import (
    Community,
    MemberUnit,
    Review,
    ReviewCriterion,
    ReviewMark,
    ReviewScorer,
    ReviewSheet,
    ReviewSubject,
    ReviewTotal,
    User,
    utcnow,
)
from meetingroom.models.review import REVIEW_SIDES, SCORER_ROLES
from meetingroom.settings import get_settings
from meetingroom.types import clean_line

MAX_POINTS = 100  # each criterion is scored 0–100; the weights (per cent) make the side's score
MAX_CRITERIA = 10
# The seed names what each side promised (seed §06); the secretary may rename and reweigh them.
DEFAULT_CRITERIA = {
    "unit": [(N_("Reporting in and contact"), 25), (N_("Practical good deeds"), 30),
             (N_("Projects taken on"), 25), (N_("Annual report"), 20)],
    "committee": [(N_("Two-way contact"), 25), (N_("Service to the units"), 25),
                  (N_("Co-building"), 25), (N_("Keeping its promises"), 25)],
}
# Grades of a weighted score, highest first (docs/decisions.md).
GRADES = ((90, "excellent"), (80, "good"), (60, "pass"), (0, "fail"))
NO_CRITERIA = {"unit": N_("Give the member units at least one criterion."),
               "committee": N_("Give the committee at least one criterion.")}
WEIGHTS_OFF = {"unit": N_("The weights of the units' criteria add up to {total}, not 100."),
               "committee": N_("The weights of the committee's criteria add up to {total}, "
                               "not 100.")}
ROLE_SIDE = {"member": "unit", "resident_rep": "unit", "party_rep": "unit",
             "unit_rep": "committee"}


def today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def room_name(review_id: int) -> str:
    return f"review:{review_id}"


# ---------------------------------------------------------------------------------- reading


def get_review(session: Session, *, community_id: int, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None or review.community_id != community_id:
        raise NotFound("No such review.")
    return review


def scorer_rows(session: Session, review_id: int, user_id: int | None = None) -> list[ReviewScorer]:
    query = select(ReviewScorer).where(ReviewScorer.review_id == review_id)
    if user_id is not None:
        query = query.where(ReviewScorer.user_id == user_id)
    return list(session.exec(query.order_by(ReviewScorer.id)).all())


def can_view(session: Session, actor: User | None, review: Review) -> bool:
    """The secretary, seated committee members and the review's scorers see a review."""
    if actor is None or actor.community_id != review.community_id:
        return False
    return actor.is_secretary or actor.seat is not None or bool(
        scorer_rows(session, review.id, actor.id))


def readable_review(session: Session, *, actor: User | None, review_id: int) -> Review:
    """A review the actor may read; 404 for others (nothing says it exists)."""
    if actor is None:
        from meetingroom.errors import NotAuthenticated

        raise NotAuthenticated()
    review = get_review(session, community_id=actor.community_id, review_id=review_id)
    if not can_view(session, actor, review):
        raise NotFound("No such review.")
    return review


def list_reviews(session: Session, *, actor: User) -> list[Review]:
    """Reviews the actor may read, newest year first."""
    if actor.is_secretary or actor.seat is not None:
        query = select(Review).where(Review.community_id == actor.community_id)
    else:
        mine = select(ReviewScorer.review_id).where(ReviewScorer.user_id == actor.id)
        query = select(Review).where(Review.community_id == actor.community_id,
                                     col(Review.id).in_(mine))
    return list(session.exec(query.order_by(Review.year.desc())).all())


@dataclass
class SubjectResult:
    subject: ReviewSubject
    sheets: int
    expected: int  # scorers of this subject's side (less those who may not score it)
    averages: dict[int, float] | None  # criterion id → average points; None while hidden
    score: float | None  # weighted, 0–100; None while hidden or nobody scored
    grade: str | None = None
    rank: int | None = None

    @property
    def pct_scored(self) -> float:
        return round(100 * self.sheets / self.expected, 1) if self.expected else 0.0


@dataclass
class Board:
    """Everything the pages, the projector and the API show of a review."""

    review: Review
    criteria: dict[str, list[ReviewCriterion]]
    units: list[SubjectResult]
    committee: SubjectResult | None
    scorers: dict[str, int]  # side → number of scorers
    hidden: bool  # secret and not closed: only counts are shown
    units_by_id: dict[int, MemberUnit] = field(default_factory=dict)

    @property
    def subjects(self) -> list[SubjectResult]:
        return self.units + ([self.committee] if self.committee else [])

    def result(self, subject_id: int) -> SubjectResult:
        for r in self.subjects:
            if r.subject.id == subject_id:
                return r
        raise NotFound("No such subject.")


def grade(score: float) -> str:
    return next(code for floor, code in GRADES if score >= floor)


def weighted(criteria: list[ReviewCriterion], averages: dict[int, float]) -> float:
    """R5.4: the side's score is the weighted sum of the criteria's average points."""
    return round(sum(c.weight * averages[c.id] for c in criteria) / 100, 2)


def board(session: Session, review: Review) -> Board:
    """The review as it stands: criteria, each subject's count and (when shown) its scores."""
    criteria: dict[str, list[ReviewCriterion]] = {side: [] for side in REVIEW_SIDES}
    for c in session.exec(select(ReviewCriterion).where(ReviewCriterion.review_id == review.id)
                          .order_by(ReviewCriterion.position, ReviewCriterion.id)).all():
        criteria[c.side].append(c)
    subjects = list(session.exec(select(ReviewSubject).where(
        ReviewSubject.review_id == review.id).order_by(ReviewSubject.position,
                                                        ReviewSubject.id)).all())
    totals: dict[int, dict[int, int]] = {}
    for t in session.exec(select(ReviewTotal).where(ReviewTotal.subject_id.in_(
            [s.id for s in subjects]))).all():
        totals.setdefault(t.subject_id, {})[t.criterion_id] = t.points
    scorers = scorer_rows(session, review.id)
    users = {u.id: u for u in session.exec(select(User).where(
        col(User.id).in_({s.user_id for s in scorers}))).all()}
    hidden = review.secret and review.status != "closed"
    results: list[SubjectResult] = []
    for s in subjects:
        side_scorers = [x for x in scorers if x.side == s.side]
        # Nobody scores his own unit (docs/decisions.md).
        expected = sum(1 for x in side_scorers
                       if not (s.unit_id and _own_unit(x, users.get(x.user_id), s)))
        averages = score = None
        if not hidden and s.sheets:
            averages = {c.id: round(totals.get(s.id, {}).get(c.id, 0) / s.sheets, 2)
                        for c in criteria[s.side]}
            score = weighted(criteria[s.side], averages)
        results.append(SubjectResult(s, s.sheets, expected, averages, score,
                                     grade(score) if score is not None else None))
    units = [r for r in results if r.subject.side == "unit"]
    ranked = sorted((r for r in units if r.score is not None), key=lambda r: -r.score)
    for r in ranked:
        r.rank = 1 + sum(1 for other in ranked if other.score > r.score)
    committee = next((r for r in results if r.subject.side == "committee"), None)
    unit_ids = [s.unit_id for s in subjects if s.unit_id]
    units_by_id = {u.id: u for u in session.exec(select(MemberUnit).where(
        col(MemberUnit.id).in_(unit_ids))).all()} if unit_ids else {}
    return Board(review, criteria, units, committee,
                 {side: sum(1 for x in scorers if x.side == side) for side in REVIEW_SIDES},
                 hidden, units_by_id)


def review_board(session: Session, *, actor: User | None, review_id: int) -> Board:
    """Someone who may read the review reads its board."""
    return board(session, readable_review(session, actor=actor, review_id=review_id))


def _own_unit(scorer: ReviewScorer, user: User | None, subject: ReviewSubject) -> bool:
    unit_id = scorer.unit_id or (user.unit_id if user else None)
    return subject.unit_id is not None and unit_id == subject.unit_id


@dataclass
class Task:
    """One subject a scorer has to score, and whether he has."""

    subject: ReviewSubject
    criteria: list[ReviewCriterion]
    done: bool
    marks: dict[int, int] | None = None  # his own marks, an open review only


def my_tasks(session: Session, *, actor: User, review_id: int) -> tuple[Review, list[Task]]:
    """A scorer's list: every subject of the sides he scores, done or not."""
    review = readable_review(session, actor=actor, review_id=review_id)
    mine = scorer_rows(session, review.id, actor.id)
    if not mine:
        return review, []
    b = board(session, review)
    done = {row.subject_id: row.id for row in session.exec(select(ReviewSheet).where(
        ReviewSheet.review_id == review.id, ReviewSheet.scorer_id == actor.id)).all()}
    marks: dict[int, dict[int, int]] = {}
    if not review.secret and done:
        for m in session.exec(select(ReviewMark).where(
                col(ReviewMark.sheet_id).in_(list(done.values())))).all():
            marks.setdefault(m.sheet_id, {})[m.criterion_id] = m.points
    tasks = []
    for scorer in mine:
        for r in b.subjects:
            s = r.subject
            if s.side != scorer.side or _own_unit(scorer, actor, s):
                continue
            tasks.append(Task(s, b.criteria[s.side], s.id in done,
                              marks.get(done.get(s.id, -1))))
    return review, tasks


@dataclass
class NamedSheet:
    """An open review's sheet: who gave which marks."""

    subject: ReviewSubject
    scorer: User
    marks: dict[int, int]


def named_sheets(session: Session, review: Review) -> list[NamedSheet]:
    """The sheets with their scorers: an open review only (a secret one keeps none)."""
    if review.secret:
        return []
    sheets = list(session.exec(select(ReviewSheet).where(ReviewSheet.review_id == review.id)
                               .order_by(ReviewSheet.subject_id, ReviewSheet.id)).all())
    subjects = {s.id: s for s in session.exec(select(ReviewSubject).where(
        ReviewSubject.review_id == review.id)).all()}
    users = {u.id: u for u in session.exec(select(User).where(
        col(User.id).in_({s.scorer_id for s in sheets}))).all()}
    marks: dict[int, dict[int, int]] = {}
    for m in session.exec(select(ReviewMark).where(
            col(ReviewMark.sheet_id).in_([s.id for s in sheets]))).all():
        marks.setdefault(m.sheet_id, {})[m.criterion_id] = m.points
    return [NamedSheet(subjects[s.subject_id], users[s.scorer_id], marks.get(s.id, {}))
            for s in sheets]


def scorer_names(session: Session, review: Review) -> list[tuple[ReviewScorer, User]]:
    rows = scorer_rows(session, review.id)
    users = {u.id: u for u in session.exec(select(User).where(
        col(User.id).in_({s.user_id for s in rows}))).all()}
    return [(r, users[r.user_id]) for r in rows]


# ---------------------------------------------------------------------------------- setting up


@dataclass
class CriterionIn:
    side: str
    name: str
    weight: int


def default_criteria(translate=lambda s: s) -> list[CriterionIn]:
    return [CriterionIn(side, translate(name), weight)
            for side, rows in DEFAULT_CRITERIA.items() for name, weight in rows]


def check_criteria(criteria: list[CriterionIn]) -> list[CriterionIn]:
    """R5.4: each side has criteria with whole-number weights that add up to 100."""
    clean: list[CriterionIn] = []
    for c in criteria:
        if c.side not in REVIEW_SIDES:
            raise Invalid("Unknown side.", field="criteria", rule="R5.4")
        name = clean_line(c.name or "")
        if not name and not c.weight:
            continue  # an empty row of the form
        if not name:
            raise Invalid("Every criterion needs a name.", field="criteria", rule="R5.4")
        if len(name) > 50:
            raise Invalid("A criterion's name may have at most {n} characters.",
                          field="criteria", n=50)
        if not isinstance(c.weight, int) or not 1 <= c.weight <= 100:
            raise Invalid("Each weight is a whole number from 1 to 100.", field="criteria",
                          rule="R5.4")
        clean.append(CriterionIn(c.side, name, c.weight))
    for side in REVIEW_SIDES:
        rows = [c for c in clean if c.side == side]
        if not rows:
            raise Invalid(NO_CRITERIA[side], field="criteria", rule="R5.4")
        if len(rows) > MAX_CRITERIA:
            raise Invalid("At most {n} criteria per side.", field="criteria", n=MAX_CRITERIA)
        if len({c.name for c in rows}) != len(rows):
            raise Invalid("Two criteria of one side have the same name.", field="criteria",
                          rule="R5.4")
        total = sum(c.weight for c in rows)
        if total != 100:
            raise Invalid(WEIGHTS_OFF[side], field="criteria", rule="R5.4", total=total)
    return clean


def create_review(session: Session, *, actor: User, year: int, title: str = "",
                  secret: bool = True, held_on: date | None = None,
                  criteria: list[CriterionIn] | None = None,
                  unit_ids: list[int] | None = None) -> Review:
    """The secretary sets up the year's review: criteria, the units scored, default scorers
    (seated members score the units; each unit's part-time member scores the committee)."""
    require_secretary(actor)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Invalid("Enter a year between 2000 and 2100.", field="year")
    title = clean_line(title or "")
    if len(title) > 100:
        raise Invalid("The title may have at most {n} characters.", field="title", n=100)
    criteria = check_criteria(criteria if criteria is not None else default_criteria())
    units = list(session.exec(select(MemberUnit).where(
        MemberUnit.community_id == actor.community_id).order_by(MemberUnit.name)).all())
    if unit_ids is not None:
        wanted = set(unit_ids)
        if wanted - {u.id for u in units}:
            raise Invalid("Unknown member unit.", field="unit_ids")
        units = [u for u in units if u.id in wanted]
    if not units:
        raise Invalid("Choose at least one member unit to review.", field="unit_ids",
                      rule="R5.4")
    community = session.get(Community, actor.community_id)
    review = Review(community_id=actor.community_id, year=year, secret=bool(secret),
                    title=title or f"{year}", held_on=held_on, created_by_id=actor.id)
    if not insert_once(session, review):
        raise Conflict("The review of {year} is already set up.", rule="R5.4", year=year)
    rows = [ReviewCriterion(review_id=review.id, side=c.side, name=c.name, weight=c.weight,
                            position=i) for i, c in enumerate(criteria)]
    subjects = [ReviewSubject(review_id=review.id, side="unit", unit_id=u.id, name=u.name,
                              position=i) for i, u in enumerate(units)]
    subjects.append(ReviewSubject(review_id=review.id, side="committee", name=community.name,
                                  position=len(units)))
    session.add_all(rows + subjects)
    session.flush()
    session.add_all([ReviewTotal(subject_id=s.id, criterion_id=c.id)
                     for s in subjects for c in rows if c.side == s.side])
    members = session.exec(select(User).where(User.community_id == actor.community_id,
                                              col(User.seat).is_not(None), User.is_active)).all()
    unit_set = {u.id for u in units}
    for m in sorted(members, key=lambda m: m.id):
        session.add(ReviewScorer(review_id=review.id, user_id=m.id, side="unit", role="member"))
        if m.seat == "part_time" and m.unit_id in unit_set:
            session.add(ReviewScorer(review_id=review.id, user_id=m.id, side="committee",
                                     role="unit_rep", unit_id=m.unit_id))
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="review.create", entity="review", entity_id=review.id, year=year,
                 secret=review.secret,
                 criteria=[[c.side, c.name, c.weight] for c in criteria],
                 units=[u.id for u in units])
    return review


def _editable(session: Session, actor: User, review_id: int) -> Review:
    require_secretary(actor)
    review = _lock(session, actor.community_id, review_id)
    if review.status == "closed":
        raise Conflict("The review is closed.", rule="R5.4")
    return review


def _lock(session: Session, community_id: int, review_id: int) -> Review:
    """Changes of one review happen one at a time (FOR UPDATE on PostgreSQL; SQLite's writing
    transactions are serialised by BEGIN IMMEDIATE)."""
    review = session.exec(select(Review).where(Review.id == review_id).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if review is None or review.community_id != community_id:
        raise NotFound("No such review.")
    return review


def add_scorer(session: Session, *, actor: User, review_id: int, user_id: int, role: str,
               unit_id: int | None = None) -> ReviewScorer:
    """The secretary adds a scorer: a committee member or a representative of residents or
    party members (they score the units), or a unit's representative (scores the committee)."""
    review = _editable(session, actor, review_id)
    if role not in SCORER_ROLES:
        raise Invalid("Unknown role.", field="role")
    person = session.get(User, user_id)
    if person is None or person.community_id != actor.community_id or not person.is_active:
        raise Invalid("No such person.", field="user_id")
    if role == "member" and person.seat is None:
        raise Invalid("Only a seated committee member scores as a member.", field="role",
                      rule="R5.4")
    if role == "party_rep" and not person.is_party_member:
        raise Invalid("A party members' representative must be a party member.", field="role")
    side = ROLE_SIDE[role]
    if role == "unit_rep":
        unit_id = unit_id or person.unit_id
        reviewed = {s.unit_id for s in session.exec(select(ReviewSubject).where(
            ReviewSubject.review_id == review.id, ReviewSubject.side == "unit")).all()}
        if unit_id not in reviewed:
            raise Invalid("Choose a member unit of this review for the unit's representative.",
                          field="unit_id")
    else:
        unit_id = None
    row = ReviewScorer(review_id=review.id, user_id=person.id, side=side, role=role,
                       unit_id=unit_id)
    if not insert_once(session, row):
        raise Conflict("{name} already scores this side.", name=person.name)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="review.scorer_add", entity="review", entity_id=review.id,
                 user_id=person.id, role=role, unit_id=unit_id)
    publish_after_commit(session, review.id)
    return row


def remove_scorer(session: Session, *, actor: User, review_id: int, scorer_id: int) -> None:
    """The secretary removes a scorer who has not scored yet."""
    review = _editable(session, actor, review_id)
    row = session.get(ReviewScorer, scorer_id)
    if row is None or row.review_id != review.id:
        raise NotFound("No such scorer.")
    scored = session.exec(select(ReviewSheet.id).join(
        ReviewSubject, ReviewSubject.id == ReviewSheet.subject_id).where(
        ReviewSheet.review_id == review.id, ReviewSheet.scorer_id == row.user_id,
        ReviewSubject.side == row.side)).first()
    if scored is not None:
        raise Conflict("This scorer has already scored; the scores stay.", rule="R5.4")
    session.delete(row)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="review.scorer_remove", entity="review", entity_id=review.id,
                 user_id=row.user_id, side=row.side)
    publish_after_commit(session, review.id)


def open_review(session: Session, *, actor: User, review_id: int) -> Review:
    """The secretary opens the scoring (the review meeting begins)."""
    review = _editable(session, actor, review_id)
    if review.status != "draft":
        raise Conflict("The review is already open.", rule="R5.4")
    sides = {s.side for s in scorer_rows(session, review.id)}
    if sides != set(REVIEW_SIDES):
        raise Conflict("Both sides need scorers: someone to score the units and a unit's "
                       "representative to score the committee.", rule="R5.4")
    review.status, review.opened_at = "open", utcnow()
    if review.held_on is None:
        review.held_on = today()
    session.add(review)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="review.open", entity="review", entity_id=review.id)
    publish_after_commit(session, review.id)
    return review


def close_review(session: Session, *, actor: User, review_id: int) -> Review:
    """The secretary closes the scoring; a secret review's scores are shown from now on."""
    require_secretary(actor)
    review = _lock(session, actor.community_id, review_id)
    if review.status != "open":
        raise Conflict("Only an open review can be closed.", rule="R5.4")
    review.status, review.closed_at = "closed", utcnow()
    session.add(review)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="review.close", entity="review", entity_id=review.id)
    publish_after_commit(session, review.id)
    return review


# ---------------------------------------------------------------------------------- scoring


def submit_scores(session: Session, *, actor: User, review_id: int, subject_id: int,
                  marks: dict[int, int]) -> ReviewSubject:
    """A scorer scores one subject, once (R5.4): points 0–100 for each criterion of its side."""
    review = _lock(session, actor.community_id, review_id)
    if not can_view(session, actor, review):
        raise NotFound("No such review.")
    if review.status != "open":
        raise Conflict("Scoring is not open.", rule="R5.4")
    subject = session.get(ReviewSubject, subject_id)
    if subject is None or subject.review_id != review.id:
        raise NotFound("No such subject.")
    mine = [s for s in scorer_rows(session, review.id, actor.id) if s.side == subject.side]
    if not mine:
        raise Forbidden("You do not score this side of the review.", rule="R5.4")
    if _own_unit(mine[0], actor, subject):
        raise Forbidden("Nobody scores his own unit.", rule="R5.4")
    criteria = list(session.exec(select(ReviewCriterion).where(
        ReviewCriterion.review_id == review.id, ReviewCriterion.side == subject.side)).all())
    wanted = {c.id for c in criteria}
    if set(marks) != wanted:
        raise Invalid("Score every criterion, and only those.", field="marks", rule="R5.4")
    for value in marks.values():
        if isinstance(value, bool) or not isinstance(value, int) or \
                not 0 <= value <= MAX_POINTS:
            raise Invalid("Each score is a whole number from 0 to {n}.", field="marks",
                          n=MAX_POINTS)
    sheet = ReviewSheet(review_id=review.id, subject_id=subject.id, scorer_id=actor.id)
    if not insert_once(session, sheet):
        raise Conflict("You have already scored {name}.", rule="R5.4", name=subject.name)
    for criterion_id, points in marks.items():
        session.execute(sa.update(ReviewTotal).where(
            ReviewTotal.subject_id == subject.id, ReviewTotal.criterion_id == criterion_id)
            .values(points=ReviewTotal.points + points))
        if not review.secret:
            session.add(ReviewMark(sheet_id=sheet.id, criterion_id=criterion_id, points=points))
    session.execute(sa.update(ReviewSubject).where(ReviewSubject.id == subject.id)
                    .values(sheets=ReviewSubject.sheets + 1))
    session.refresh(subject)
    # The audit row says who scored what subject (as the sheet does), never the points of a
    # secret review.
    detail = {"subject_id": subject.id}
    if not review.secret:
        detail["marks"] = {str(k): v for k, v in marks.items()}
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="review.score", entity="review", entity_id=review.id, **detail)
    publish_after_commit(session, review.id)
    return subject


# ---------------------------------------------------------------------------------- live


def publish_after_commit(session: Session, review_id: int) -> None:
    """Tell the projector once the change has committed; the event only says "look again"
    (the screen reads the board afresh, so a lost event costs nothing but a moment)."""
    hub = session.info.get("hub")
    if hub is not None:
        db.after_commit(session, lambda: hub.publish(room_name(review_id),
                                                     {"type": "review", "review_id": review_id}))
