"""Step 4 (党员群众评议): carrying out resolutions and rating how they were carried out.

A resolution is created by the meeting service when an item's vote closes adopted (status
`not_started`). From then on this module holds every rule and every write:

- progress (R4.5): the secretary or the responsible member posts updates (status, percent, a note,
  up to 3 photos); the people behind the resolution (authors and supporters of its suggestions)
  are notified of each one;
- ratings (R4.1 step 4): once the resolution is done or past its deadline, residents and party
  members rate it 1–5 with an optional comment, one rating per person (rating again replaces it),
  counted separately for party members and residents. The window closes 30 days after it opened,
  or earlier when the secretary closes it;
- moderation of rating comments, like suggestions: 3 reports hide a comment until the secretary
  reviews it; the secretary can hide or restore one with a reason (audit log).

Who may not rate (docs/decisions.md, "Follow-up and ratings"): every seated committee member —
each resolution is the committee's own decision, which the committee supervises (R4.5) while party
members and residents evaluate it (R4.1 step 4) —, the secretary, who runs the meetings, reports
progress and moderates the ratings, and anyone personally behind this resolution even if he no
longer holds a seat: its responsible member, the proposal's sponsor and co-sponsors, and whoever
attended the meeting that adopted it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from meetingroom import audit, notifications, tracking, types
from meetingroom.auth.service import require_secretary
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, DomainError, Forbidden, Invalid, NotAuthenticated, NotFound
from meetingroom.labels import N_
from meetingroom.models import (
    AgendaItem,
    Attendance,
    ContentReport,
    Cosponsor,
    Meeting,
    Photo,
    ProgressUpdate,
    Proposal,
    Rating,
    Resolution,
    Suggestion,
    User,
    utcnow,
)
from meetingroom.models.followup import RESOLUTION_STATUSES
from meetingroom.pagination import Order, Page, paginate
from meetingroom.photos import Upload, save_photos
from meetingroom.settings import get_settings

RATING_WINDOW = timedelta(days=30)
REPORTS_TO_HIDE = 3
SCORES = (1, 2, 3, 4, 5)
GROUPS = ("party_member", "resident")
MAX_NOTE = 2000
MAX_COMMENT = 1000
MAX_TEXT = 5000
MAX_RESPONSIBLE = 100

# The words on the five rating buttons and under the distribution bars.
SCORE_WORDS = {1: N_("Dissatisfied"), 2: N_("Rather dissatisfied"), 3: N_("Fair"),
               4: N_("Satisfied"), 5: N_("Very satisfied")}
GROUP_LABELS = {"party_member": N_("Party members"), "resident": N_("Residents")}
REPORT_REASONS = {"abuse": N_("Abusive or insulting"), "personal": N_("Reveals personal details"),
                  "spam": N_("Advertising or spam"), "off_topic": N_("Not about this resolution")}
# One notice per status, so each reader sees the whole sentence in his own language.
PROGRESS_NOTICES = {
    "not_started": N_("“{title}” has not started yet ({percent}%); see the latest update."),
    "in_progress": N_("“{title}” is in progress: {percent}% done."),
    "done": N_("“{title}” is done. You can now rate how it was carried out."),
    "delayed": N_("“{title}” is delayed ({percent}% done); see why."),
}
# Ratings opened because the deadline passed first (R4.1 step 4, R4.2); done is told above.
RATINGS_OPENED = N_("The deadline of “{title}” ({deadline}) has passed and it is not done. "
                    "You can now rate how it is being carried out.")
SWEEP_BATCH = 200


# ---------------------------------------------------------------------------------------------
# Time: aware UTC inside, the community's local day (Asia/Shanghai) for deadlines.

def now() -> datetime:
    return utcnow()


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC by construction."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_today(at: datetime | None = None) -> date:
    return (at or now()).astimezone(local_zone()).date()


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(UTC)


def is_overdue(resolution: Resolution, today: date | None = None) -> bool:
    """Past its deadline (a whole local day after it) and not done."""
    today = today or local_today()
    return (resolution.deadline is not None and resolution.deadline < today
            and resolution.status != "done")


def days_overdue(resolution: Resolution, today: date | None = None) -> int:
    today = today or local_today()
    if not is_overdue(resolution, today):
        return 0
    return (today - resolution.deadline).days


@dataclass
class RatingWindow:
    """When ratings open and close. `state` is `not_yet`, `open` or `closed`."""

    state: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    closed_by_secretary: bool = False

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def rating_window(resolution: Resolution, at: datetime | None = None) -> RatingWindow:
    """Ratings open when the resolution is done or the day after its deadline, whichever comes
    first; they close RATING_WINDOW later, or when the secretary closes them
    (`ratings_closed_at` is only ever set by the secretary)."""
    at = at or now()
    today = local_today(at)
    explicit_close = aware(resolution.ratings_closed_at)
    past_deadline = resolution.deadline is not None and resolution.deadline < today
    opens_at = aware(resolution.ratings_opened_at)
    if opens_at is None and past_deadline:
        opens_at = start_of_local_day(resolution.deadline + timedelta(days=1))
    if explicit_close is not None and explicit_close <= at:
        return RatingWindow("closed", opens_at, explicit_close, closed_by_secretary=True)
    if resolution.status != "done" and not past_deadline:
        return RatingWindow("not_yet")
    closes_at = opens_at + RATING_WINDOW if opens_at is not None else None
    if closes_at is not None and closes_at <= at:
        return RatingWindow("closed", opens_at, closes_at)
    return RatingWindow("open", opens_at, closes_at)


# ---------------------------------------------------------------------------------------------
# Reading

def get_resolution(session: Session, *, community_id: int, resolution_id: int) -> Resolution:
    resolution = session.get(Resolution, resolution_id)
    if resolution is None or resolution.community_id != community_id:
        raise NotFound("No such resolution.")
    return resolution


def _lock_resolution(session: Session, *, community_id: int, resolution_id: int) -> Resolution:
    """The row, locked for this change (PostgreSQL; SQLite writers are serialised already)."""
    resolution = session.exec(select(Resolution).where(Resolution.id == resolution_id)
                              .with_for_update()).first()
    if resolution is None or resolution.community_id != community_id:
        raise NotFound("No such resolution.")
    return resolution


@dataclass
class GroupSummary:
    count: int = 0
    total: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None

    def share(self, score: int) -> int:
        """Percent of this group's ratings that gave `score` (for the bar widths)."""
        return round(100 * self.distribution[score] / self.count) if self.count else 0


@dataclass
class RatingSummary:
    party_members: GroupSummary = field(default_factory=GroupSummary)
    residents: GroupSummary = field(default_factory=GroupSummary)

    def group(self, name: str) -> GroupSummary:
        return self.party_members if name == "party_member" else self.residents

    @property
    def count(self) -> int:
        return self.party_members.count + self.residents.count

    @property
    def average(self) -> float | None:
        total = self.party_members.total + self.residents.total
        return round(total / self.count, 2) if self.count else None


def rating_summaries(session: Session, resolution_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Count, average and distribution per group, for many resolutions in one query. Hidden
    comments still count: moderation hides words, not a person's score."""
    ids = list(set(resolution_ids))
    summaries = {rid: RatingSummary() for rid in ids}
    if not ids:
        return summaries
    rows = session.exec(select(Rating.resolution_id, Rating.group, Rating.score, func.count())
                        .where(Rating.resolution_id.in_(ids))
                        .group_by(Rating.resolution_id, Rating.group, Rating.score)).all()
    for rid, group, score, n in rows:
        summary = summaries[rid].group(group)
        summary.count += n
        summary.total += score * n
        summary.distribution[score] = summary.distribution.get(score, 0) + n
    return summaries


def suggestion_ids(session: Session, proposal_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(set(proposal_ids))
    found: dict[int, list[int]] = {pid: [] for pid in ids}
    if ids:
        for sid, pid in session.exec(select(Suggestion.id, Suggestion.proposal_id)
                                     .where(Suggestion.proposal_id.in_(ids))
                                     .order_by(Suggestion.id)).all():
            found[pid].append(sid)
    return found


@dataclass
class ProgressEntry:
    update: ProgressUpdate
    author_name: str
    photos: list[Photo]


def progress_entries(session: Session,
                     resolution_ids: Iterable[int]) -> dict[int, list[ProgressEntry]]:
    """Each resolution's updates, oldest first, with their authors' names and photos."""
    ids = list(set(resolution_ids))
    found: dict[int, list[ProgressEntry]] = {rid: [] for rid in ids}
    if not ids:
        return found
    rows = session.exec(select(ProgressUpdate, User.name)
                        .join(User, User.id == ProgressUpdate.author_id)
                        .where(ProgressUpdate.resolution_id.in_(ids))
                        .order_by(ProgressUpdate.created_at, ProgressUpdate.id)).all()
    update_ids = [u.id for u, _ in rows]
    photos: dict[int, list[Photo]] = defaultdict(list)
    if update_ids:
        for photo in session.exec(select(Photo).where(Photo.progress_id.in_(update_ids))
                                  .order_by(Photo.position, Photo.id)).all():
            photos[photo.progress_id].append(photo)
    for update_row, name in rows:
        found[update_row.resolution_id].append(ProgressEntry(update_row, name,
                                                             photos[update_row.id]))
    return found


@dataclass
class ResolutionView:
    """A resolution with everything its pages and the API show."""

    resolution: Resolution
    principle: str
    meeting_id: int | None
    suggestion_ids: list[int]
    progress: list[ProgressEntry]
    rating: RatingSummary
    window: RatingWindow
    overdue: bool
    days_overdue: int


def describe(session: Session, resolutions: list[Resolution], *,
             with_progress: bool = True) -> list[ResolutionView]:
    """Views for a page of resolutions: a fixed number of queries whatever the page size."""
    if not resolutions:
        return []
    rids = [r.id for r in resolutions]
    pids = [r.proposal_id for r in resolutions]
    principles = dict(session.exec(select(Proposal.id, Proposal.principle)
                                   .where(Proposal.id.in_(set(pids)))).all())
    meetings = dict(session.exec(select(AgendaItem.id, AgendaItem.meeting_id).where(
        col(AgendaItem.id).in_({r.item_id for r in resolutions}))).all())
    sids = suggestion_ids(session, pids)
    progress = progress_entries(session, rids) if with_progress else {}
    ratings = rating_summaries(session, rids)
    at = now()
    today = local_today(at)
    return [ResolutionView(resolution=r, principle=principles.get(r.proposal_id, ""),
                           meeting_id=meetings.get(r.item_id), suggestion_ids=sids[r.proposal_id],
                           progress=progress.get(r.id, []), rating=ratings[r.id],
                           window=rating_window(r, at), overdue=is_overdue(r, today),
                           days_overdue=days_overdue(r, today))
            for r in resolutions]


def describe_one(session: Session, *, community_id: int, resolution_id: int) -> ResolutionView:
    return describe(session, [get_resolution(session, community_id=community_id,
                                             resolution_id=resolution_id)])[0]


@dataclass
class ResolutionFilters:
    status: str | None = None
    principle: str | None = None
    year: int | None = None
    overdue: bool | None = None

    def as_query(self) -> dict[str, str]:
        query = {"status": self.status or "", "principle": self.principle or "",
                 "year": str(self.year or "")}
        if self.overdue is not None:
            query["overdue"] = "1" if self.overdue else "0"
        return {k: v for k, v in query.items() if v}


def check_filters(*, status: str | None = None, principle: str | None = None,
                  year: int | str | None = None,
                  overdue: bool | str | None = None) -> ResolutionFilters:
    """Validate the list filters; empty values mean "any"."""
    from meetingroom.models.proposal import PRINCIPLES

    status, principle = status or None, principle or None
    if status is not None and status not in RESOLUTION_STATUSES:
        raise Invalid("Unknown status.", field="status")
    if principle is not None and principle not in PRINCIPLES:
        raise Invalid("Unknown principle.", field="principle")
    if year in ("", None):
        year = None
    else:
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise Invalid("Enter a year such as 2026.", field="year") from None
        if not 2000 <= year <= 2100:
            raise Invalid("Enter a year such as 2026.", field="year")
    if isinstance(overdue, str):
        overdue = {"1": True, "true": True, "0": False, "false": False, "": None}.get(
            overdue.lower())
    return ResolutionFilters(status, principle, year, overdue)


def _filtered(community_id: int, filters: ResolutionFilters):
    stmt = select(Resolution).where(Resolution.community_id == community_id)
    if filters.status:
        stmt = stmt.where(Resolution.status == filters.status)
    if filters.principle:
        stmt = stmt.join(Proposal, Proposal.id == Resolution.proposal_id).where(
            Proposal.principle == filters.principle)
    if filters.year:
        stmt = stmt.where(Resolution.created_at >= start_of_local_day(date(filters.year, 1, 1)),
                          Resolution.created_at < start_of_local_day(date(filters.year + 1, 1, 1)))
    if filters.overdue is not None:
        late = (Resolution.deadline < local_today()) & (Resolution.status != "done")
        stmt = stmt.where(late if filters.overdue else ~late | col(Resolution.deadline).is_(None))
    return stmt


RESOLUTIONS_NEWEST = Order("newest", col(Resolution.id).desc())


def list_resolutions(session: Session, *, community_id: int, filters: ResolutionFilters,
                     limit: int = 20, offset: int = 0,
                     cursor: str | None = None) -> Page[Resolution]:
    """One page of resolutions, newest first, and how many match."""
    return paginate(session, _filtered(community_id, filters), RESOLUTIONS_NEWEST, limit=limit,
                    offset=offset, cursor=cursor)


def iter_resolutions(session: Session, *, community_id: int, filters: ResolutionFilters,
                     batch: int = 200) -> Iterator[list[ResolutionView]]:
    """Every matching resolution, newest first, in batches (for the CSV export): memory stays
    bounded however many there are."""
    before = None
    while True:
        stmt = _filtered(community_id, filters)
        if before is not None:
            stmt = stmt.where(Resolution.id < before)
        rows = list(session.exec(stmt.order_by(Resolution.id.desc()).limit(batch)).all())
        if not rows:
            return
        yield describe(session, rows, with_progress=False)
        before = rows[-1].id


def years_with_resolutions(session: Session, *, community_id: int) -> list[int]:
    first = session.exec(select(func.min(Resolution.created_at))
                         .where(Resolution.community_id == community_id)).one()
    this_year = local_today().year
    if first is None:
        return [this_year]
    return list(range(this_year, aware(first).astimezone(local_zone()).year - 1, -1))


# ---------------------------------------------------------------------------------------------
# Editing a resolution (secretary)

def update_resolution(session: Session, *, actor: User, resolution_id: int,
                      changes: dict) -> Resolution:
    """The secretary edits a resolution's text, responsible person or unit, and deadline."""
    require_secretary(actor)
    resolution = _lock_resolution(session, community_id=actor.community_id,
                                  resolution_id=resolution_id)
    unknown = set(changes) - {"text", "responsible", "responsible_user_id", "deadline"}
    if unknown:
        raise Invalid("Unknown field: {name}.", field=sorted(unknown)[0], name=sorted(unknown)[0])
    before = {k: getattr(resolution, k) for k in changes}
    had_both = bool(resolution.responsible) and resolution.deadline is not None
    if "text" in changes:
        text = (changes["text"] or "").strip()
        if len(text) > MAX_TEXT:
            raise Invalid("At most {n} characters.", field="text", n=MAX_TEXT)
        resolution.text = text
    responsible_user = None
    if "responsible_user_id" in changes and changes["responsible_user_id"] is not None:
        responsible_user = session.get(User, changes["responsible_user_id"])
        if responsible_user is None or responsible_user.community_id != actor.community_id:
            raise Invalid("No such person in this community.", field="responsible_user_id")
    previous_user = (session.get(User, resolution.responsible_user_id)
                     if resolution.responsible_user_id is not None else None)
    if "responsible_user_id" in changes:
        resolution.responsible_user_id = changes["responsible_user_id"]
    if "responsible" in changes:
        responsible = (changes["responsible"] or "").strip()
        if len(responsible) > MAX_RESPONSIBLE:
            raise Invalid("At most {n} characters.", field="responsible", n=MAX_RESPONSIBLE)
        resolution.responsible = responsible
    if responsible_user is not None and (
            not resolution.responsible
            or previous_user is not None and previous_user.id != responsible_user.id
            and resolution.responsible == previous_user.name):
        # The shown name follows the member unless someone typed another (e.g. a unit).
        resolution.responsible = responsible_user.name
    if "deadline" in changes:
        deadline = changes["deadline"]
        if isinstance(deadline, str):
            deadline = parse_date(deadline, field="deadline")
        if deadline != resolution.deadline and resolution.status != "done" \
                and resolution.ratings_closed_at is None:
            # A new deadline moves the moment ratings open; a window opened by the old one
            # must not run out before the new deadline has even passed.
            resolution.ratings_opened_at = None
        resolution.deadline = deadline
        if rating_window(resolution).state == "not_yet":
            # Moved past today: ratings open again when the new deadline passes, told again.
            resolution.rating_notice_at = None
    session.add(resolution)
    after = {k: getattr(resolution, k) for k in changes}
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="resolution.update", entity="resolution", entity_id=resolution.id,
                 changes={k: [_plain(before[k]), _plain(after[k])] for k in changes
                          if before[k] != after[k]})
    tracking.responsible_set(session, resolution, had_both=had_both, exclude=actor.id)  # R4.2
    if (responsible_user is not None and before.get("responsible_user_id") != responsible_user.id
            and responsible_user.id != actor.id):
        notifications.notify(session, community_id=actor.community_id,
                             user_ids=[responsible_user.id], link=f"/resolutions/{resolution.id}",
                             message=N_("You are now responsible for carrying out “{title}”."),
                             title=resolution.title)
    return resolution


def parse_date(value: str, *, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid("Enter a date as YYYY-MM-DD.", field=field) from None
    if not types.day_in_window(day):
        raise Invalid("Enter a date between {first} and {last}.", field=field,
                      first=types.FIRST_YEAR, last=types.LAST_YEAR)
    return day


def _plain(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


# ---------------------------------------------------------------------------------------------
# Progress (R4.5)

def may_post_progress(resolution: Resolution, user: User | None) -> bool:
    return user is not None and (user.is_secretary or user.id == resolution.responsible_user_id)


def check_percent(value) -> int:
    try:
        percent = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid("Enter the percent done as a whole number from 0 to 100.",
                      field="percent") from None
    if not 0 <= percent <= 100:
        raise Invalid("Enter the percent done as a whole number from 0 to 100.", field="percent")
    return percent


def add_progress(session: Session, *, actor: User, resolution_id: int, status: str, percent,
                 note: str = "", photos: list[Upload] | None = None) -> ProgressUpdate:
    """The responsible member or the secretary reports progress (R4.5); followers are told."""
    resolution = _lock_resolution(session, community_id=actor.community_id,
                                  resolution_id=resolution_id)
    if not may_post_progress(resolution, actor):
        raise Forbidden("Only the secretary or the member responsible for this resolution may "
                        "report its progress.", rule="R4.5")
    if status not in RESOLUTION_STATUSES:
        raise Invalid("Choose a status: not started, in progress, done or delayed.",
                      field="status")
    percent = check_percent(percent)
    if status == "done":
        percent = 100  # done means all of it; a form left at 80 % must not say otherwise
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid("At most {n} characters.", field="note", n=MAX_NOTE)
    became_done = status == "done" and resolution.status != "done"
    update_row = ProgressUpdate(community_id=actor.community_id, resolution_id=resolution.id,
                                author_id=actor.id, status=status, percent=percent, note=note)
    session.add(update_row)
    session.flush()
    saved = save_photos(session, photos or [], community_id=actor.community_id,
                        uploader_id=actor.id, progress_id=update_row.id)
    previous = (resolution.status, resolution.percent)
    resolution.status, resolution.percent = status, percent
    if became_done:
        # Being done always opens a fresh rating window, even when the deadline had opened
        # one or the secretary had closed an earlier one: people rate the finished work.
        resolution.ratings_opened_at = now()
        resolution.ratings_closed_at = None
        resolution.rating_notice_at = now()  # the done notice below tells it (R4.2)
    elif previous[0] == "done" and status != "done":
        # Back from done: the old window belonged to work that turned out unfinished. Past
        # the deadline it is overdue again and rateable now; otherwise ratings wait for the
        # deadline (rating_window counts from the day after it).
        past_deadline = resolution.deadline is not None and resolution.deadline < local_today()
        resolution.ratings_opened_at = now() if past_deadline else None
        resolution.ratings_closed_at = None
        # A new opening, told again by the sweep (docs/decisions.md, "Rating notices").
        resolution.rating_notice_at = None
    session.add(resolution)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="resolution.progress", entity="resolution", entity_id=resolution.id,
                 progress_id=update_row.id, status=[previous[0], status],
                 percent=[previous[1], percent], photos=len(saved))
    notifications.notify(session, community_id=actor.community_id,
                         user_ids=tracking.followers(session, resolution.proposal_id),
                         exclude=actor.id,
                         message=PROGRESS_NOTICES[status], link=f"/resolutions/{resolution.id}",
                         title=resolution.title, percent=percent)
    return update_row


# ---------------------------------------------------------------------------------------------
# Ratings (R4.1 step 4)

def is_own_resolution(session: Session, resolution: Resolution, user: User) -> bool:
    """See the module docstring: seated members, the secretary, and whoever is personally
    behind it."""
    if user.seat is not None or user.is_secretary or user.id == resolution.responsible_user_id:
        return True
    proposal = session.get(Proposal, resolution.proposal_id)
    if proposal is not None and proposal.sponsor_id == user.id:
        return True
    if session.exec(select(Cosponsor.id).where(Cosponsor.proposal_id == resolution.proposal_id,
                                               Cosponsor.user_id == user.id)).first():
        return True
    item = session.get(AgendaItem, resolution.item_id)
    return item is not None and session.exec(select(Attendance.id).where(
        Attendance.meeting_id == item.meeting_id, Attendance.user_id == user.id)).first() \
        is not None


def rating_blocked(session: Session, resolution: Resolution, user: User | None,
                   at: datetime | None = None) -> DomainError | None:
    """Why `user` may not rate `resolution` now, or None if he may."""
    if user is None:
        return NotAuthenticated("Log in to rate this resolution.")
    if is_own_resolution(session, resolution, user):
        return Forbidden("Committee members, the secretary and the people behind a resolution "
                         "do not rate it; party members and residents do.", rule="R4.1")
    window = rating_window(resolution, at)
    if window.state == "not_yet":
        return Conflict("Ratings open when the resolution is done or its deadline has passed.",
                        rule="R4.1")
    if window.state == "closed":
        return Conflict("Ratings for this resolution are closed.")
    return None


def check_score(value) -> int:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid("Choose a score from 1 (dissatisfied) to 5 (very satisfied).",
                      field="score") from None
    if score not in SCORES:
        raise Invalid("Choose a score from 1 (dissatisfied) to 5 (very satisfied).",
                      field="score")
    return score


def rate_resolution(session: Session, *, actor: User, resolution_id: int, score,
                    comment: str = "") -> Rating:
    """A party member or resident rates how a resolution was carried out; again replaces."""
    score = check_score(score)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("At most {n} characters.", field="comment", n=MAX_COMMENT)
    resolution = _lock_resolution(session, community_id=actor.community_id,
                                  resolution_id=resolution_id)
    at = now()
    blocked = rating_blocked(session, resolution, actor, at)
    if blocked is not None:
        raise blocked
    if resolution.ratings_opened_at is None:
        # Pin the window the moment it is first used, so later edits cannot move it.
        resolution.ratings_opened_at = rating_window(resolution, at).opens_at or at
        session.add(resolution)
    group = "party_member" if actor.is_party_member else "resident"
    rating = _my_rating(session, resolution.id, actor.id)
    created = rating is None
    if created:
        rating = Rating(community_id=actor.community_id, resolution_id=resolution.id,
                        user_id=actor.id, group=group, score=score, comment=comment)
        if not insert_once(session, rating):  # his other request won: replace that one
            created = False
            rating = _my_rating(session, resolution.id, actor.id)
    assert rating is not None  # his own, made here or by his other request
    if not created:
        rating.group, rating.score, rating.comment = group, score, comment
        rating.updated_at = at
        session.add(rating)
        session.flush()
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="rating.create" if created else "rating.replace", entity="rating",
                 entity_id=rating.id, resolution_id=resolution.id, score=score, group=group)
    return rating


@dataclass
class Sweep:
    resolutions: int = 0  # whose followers were told this time
    notices: int = 0


def notify_ratings_opened(*, session: Session, now: datetime) -> Sweep:
    """Tell the followers of every resolution whose ratings opened because its deadline passed
    (R4.1 step 4, R4.2), each opening once. Rows are claimed by one UPDATE … WHERE
    rating_notice_at IS NULL, in the caller's transaction: of several workers or hosts sweeping at
    once, one claims a row (PostgreSQL re-checks the condition after the other's row lock; SQLite
    serialises writers), so nobody is told twice. A claimed row whose window is no longer open
    (closed by the secretary, or the 30 days ran out before any sweep ran) is marked silently:
    "you can rate now" would be untrue."""
    today = local_today(now)
    due = (Resolution.rating_notice_at.is_(None), Resolution.status != "done",
           Resolution.deadline.is_not(None), Resolution.deadline < today)
    result = Sweep()
    while True:
        batch = select(Resolution.id).where(*due).order_by(Resolution.id).limit(SWEEP_BATCH)
        claimed = session.exec(update(Resolution).where(Resolution.id.in_(batch.scalar_subquery()),
                                                        *due)
                               .values(rating_notice_at=now).returning(Resolution.id)
                               .execution_options(synchronize_session=False)).scalars().all()
        if not claimed:
            return result
        rows = session.exec(select(Resolution).where(Resolution.id.in_(claimed))
                            .order_by(Resolution.id)
                            .execution_options(populate_existing=True)).all()
        for resolution in rows:
            if not rating_window(resolution, now).is_open:
                continue
            result.resolutions += 1
            result.notices += notifications.notify(
                session, community_id=resolution.community_id,
                user_ids=tracking.followers(session, resolution.proposal_id),
                message=RATINGS_OPENED, link=f"/resolutions/{resolution.id}",
                title=resolution.title, deadline=resolution.deadline.isoformat())
        if len(claimed) < SWEEP_BATCH:
            return result


def _my_rating(session: Session, resolution_id: int, user_id: int) -> Rating | None:
    return session.exec(select(Rating).where(Rating.resolution_id == resolution_id,
                                             Rating.user_id == user_id)).first()


def my_rating(session: Session, resolution: Resolution, user: User | None) -> Rating | None:
    return _my_rating(session, resolution.id, user.id) if user is not None else None


def close_ratings(session: Session, *, actor: User, resolution_id: int) -> Resolution:
    """The secretary closes ratings before the 30 days are up."""
    require_secretary(actor)
    resolution = _lock_resolution(session, community_id=actor.community_id,
                                  resolution_id=resolution_id)
    window = rating_window(resolution)
    if window.state == "not_yet":
        raise Conflict("Ratings have not opened yet.")
    if window.state == "closed":
        raise Conflict("Ratings for this resolution are closed.")
    at = now()
    resolution.ratings_opened_at = window.opens_at or at
    resolution.ratings_closed_at = at
    session.add(resolution)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="resolution.ratings_close", entity="resolution", entity_id=resolution.id)
    return resolution


def reopen_ratings(session: Session, *, actor: User, resolution_id: int) -> Resolution:
    """The secretary reopens closed ratings for another RATING_WINDOW."""
    require_secretary(actor)
    resolution = _lock_resolution(session, community_id=actor.community_id,
                                  resolution_id=resolution_id)
    window = rating_window(resolution)
    if window.state == "open":
        raise Conflict("Ratings for this resolution are already open.")
    if resolution.status != "done" and not (resolution.deadline is not None
                                            and resolution.deadline < local_today()):
        raise Conflict("Ratings open when the resolution is done or its deadline has passed.",
                       rule="R4.1")
    resolution.ratings_opened_at, resolution.ratings_closed_at = now(), None
    session.add(resolution)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="resolution.ratings_reopen", entity="resolution",
                 entity_id=resolution.id)
    return resolution


@dataclass
class RatingComment:
    rating: Rating
    author_name: str
    reported_by_me: bool = False


# One resolution's comments, newest first: one per person who rated, so as many as the
# community has people; pages go by keyset cursor (index ix_rating_comments).
COMMENTS_NEWEST = Order("comments", col(Rating.updated_at).desc(), col(Rating.id).desc())


def list_ratings(session: Session, *, resolution: Resolution, viewer: User | None,
                 limit: int = 50, offset: int = 0,
                 cursor: str | None = None) -> Page[RatingComment]:
    """Ratings with a comment, newest first. Hidden ones only for the secretary. Raters are
    shown by first character of their name only (a neighbourhood is small)."""
    stmt = select(Rating).where(Rating.resolution_id == resolution.id, Rating.comment != "")
    if not (viewer is not None and viewer.is_secretary):
        stmt = stmt.where(Rating.hidden.is_(False))
    page = paginate(session, stmt, COMMENTS_NEWEST, limit=limit, offset=offset, cursor=cursor)
    rows: list[Rating] = page.items
    names: dict[int, str] = {}
    reported: set[int] = set()
    if rows:
        names = dict(session.exec(select(User.id, User.name).where(
            col(User.id).in_({r.user_id for r in rows}))).all())
    if viewer is not None and rows:
        reported = set(session.exec(select(ContentReport.target_id).where(
            ContentReport.target == "rating", ContentReport.user_id == viewer.id,
            col(ContentReport.target_id).in_([r.id for r in rows]))).all())
    comments = [RatingComment(r, masked_name(names.get(r.user_id, "")), r.id in reported)
                for r in rows]
    return Page(comments, page.total, page.total_capped, page.offset, page.next_cursor,
                page.prev_cursor)


def masked_name(name: str) -> str:
    return (name[:1] + "**") if name else "**"


def _get_rating(session: Session, *, community_id: int, rating_id: int) -> Rating:
    rating = session.get(Rating, rating_id)
    if rating is None or rating.community_id != community_id:
        raise NotFound("No such rating.")
    return rating


def report_rating(session: Session, *, actor: User, rating_id: int, reason: str) -> Rating:
    """Anyone logged in reports a rating's comment; the third report hides it for review."""
    rating = _get_rating(session, community_id=actor.community_id, rating_id=rating_id)
    if reason not in REPORT_REASONS:
        raise Invalid("Choose a reason for the report.", field="reason")
    if not rating.comment:
        raise Conflict("This rating has no comment to report.")
    report = ContentReport(community_id=actor.community_id, target="rating", target_id=rating.id,
                           user_id=actor.id, reason=reason)
    if not insert_once(session, report):  # reported before by this person: nothing more to do
        session.refresh(rating)
        return rating
    session.exec(update(Rating).where(Rating.id == rating.id)
                 .values(report_count=Rating.report_count + 1))
    session.refresh(rating)
    hide = rating.report_count >= REPORTS_TO_HIDE and not rating.hidden
    if hide:
        rating.hidden = True
        session.add(rating)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="rating.report", entity="rating", entity_id=rating.id, reason=reason,
                 reports=rating.report_count, hidden=rating.hidden)
    return rating


def hide_rating(session: Session, *, actor: User, rating_id: int, reason: str) -> Rating:
    """The secretary hides a rating's comment, with a reason kept in the audit log."""
    require_secretary(actor)
    rating = _get_rating(session, community_id=actor.community_id, rating_id=rating_id)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Give a reason.", field="reason")
    if len(reason) > 500:
        raise Invalid("At most {n} characters.", field="reason", n=500)
    rating.hidden = True
    session.add(rating)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="rating.hide", entity="rating", entity_id=rating.id, reason=reason)
    return rating


def restore_rating(session: Session, *, actor: User, rating_id: int, reason: str = "") -> Rating:
    """The secretary reviews a hidden comment and shows it again; past reports are cleared, so
    only new reports can hide it again."""
    require_secretary(actor)
    rating = _get_rating(session, community_id=actor.community_id, rating_id=rating_id)
    rating.hidden, rating.report_count = False, 0
    session.add(rating)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="rating.restore", entity="rating", entity_id=rating.id,
                 reason=(reason or "").strip()[:500])
    return rating


def responsible_choices(session: Session, *, community_id: int) -> list[User]:
    """People a resolution can be given to: committee members first, then the secretaries."""
    users = session.exec(select(User).where(User.community_id == community_id, User.is_active,
                                            col(User.seat).is_not(None) | User.is_secretary)).all()
    return sorted(users, key=lambda u: (u.seat is None, u.name))


def meeting_of(session: Session, resolution: Resolution) -> Meeting | None:
    item = session.get(AgendaItem, resolution.item_id)
    return session.get(Meeting, item.meeting_id) if item is not None else None
