"""The committee's dashboard (R4.4, R4.5, R1.1): what needs attention, drawn as numbers.

- the months of the current year with and without a meeting (R4.4: at least one a month);
- proposals waiting for an agenda (status `open`), oldest first;
- resolutions overdue (R4.5), most overdue first;
- the lowest-rated resolutions (at least MIN_RATINGS ratings, so one angry vote does not headline);
- resolutions by status;
- the roster warnings (R1.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from meetingroom.community.service import Warning, committee
from meetingroom.errors import Forbidden, NotAuthenticated
from meetingroom.followup import service
from meetingroom.models import (
    AgendaItem,
    Attendance,
    Community,
    Meeting,
    Proposal,
    Rating,
    Resolution,
    User,
)
from meetingroom.models.followup import RESOLUTION_STATUSES

MIN_RATINGS = 3
LIST_LIMIT = 10
HELD = ("open", "closed")


@dataclass
class Month:
    month: int
    year: int = 0
    held: int = 0
    scheduled: int = 0
    # held | scheduled (only planned ones, this month or later) | missing (none, up to this
    # month: the R4.4 flag) | future | before (the community's history in the app began later)
    state: str = "future"

    @property
    def meetings(self) -> int:
        return self.held + self.scheduled


@dataclass
class Waiting:
    proposal: Proposal
    days: int


@dataclass
class Overdue:
    resolution: Resolution
    days: int


@dataclass
class LowRated:
    resolution: Resolution
    average: float
    count: int


@dataclass
class Dashboard:
    year: int
    today: date
    months: list[Month]
    waiting: list[Waiting]
    waiting_total: int
    overdue: list[Overdue]
    overdue_total: int
    lowest_rated: list[LowRated]
    by_status: dict[str, int]
    warnings: list[Warning]
    seated: int

    @property
    def months_without_meeting(self) -> list[int]:
        """This year's months with no meeting so far (R4.4)."""
        return [m.month for m in self.months if m.state == "missing" and m.year == self.year]

    @property
    def missing(self) -> list[Month]:
        """Every flagged month of the strip, last December included when it leads."""
        return [m for m in self.months if m.state == "missing"]

    @property
    def resolutions_total(self) -> int:
        return sum(self.by_status.values())

    @property
    def max_overdue_days(self) -> int:
        return max((o.days for o in self.overdue), default=0)

    @property
    def max_waiting_days(self) -> int:
        return max((w.days for w in self.waiting), default=0)


def require_committee(actor: User | None) -> User:
    """Seated members and the secretary."""
    if actor is None:
        raise NotAuthenticated()
    if actor.seat is None and not actor.is_secretary:
        raise Forbidden("The dashboard is for committee members and the secretary.")
    return actor


def _counted_meetings(session: Session, community_id: int, start, end) -> list[tuple]:
    """(month time, status) of the meetings that fall between start and end: a held meeting by
    the day it opened (R4.4 asks whether the committee met, not when it planned to), one never
    opened by its planned time. A meeting opened with no member checked in and no item decided
    is an empty shell and does not count."""
    counted: list[tuple] = []
    held = session.exec(select(Meeting.id, func.coalesce(Meeting.opened_at, Meeting.starts_at))
                        .where(Meeting.community_id == community_id,
                               col(Meeting.status).in_(HELD),
                               func.coalesce(Meeting.opened_at, Meeting.starts_at) >= start,
                               func.coalesce(Meeting.opened_at, Meeting.starts_at) < end)).all()
    ids = [mid for mid, _ in held]
    real: set[int] = set()
    if ids:
        real |= set(session.exec(select(Attendance.meeting_id)
                                 .where(Attendance.meeting_id.in_(ids))).all())
        real |= set(session.exec(select(AgendaItem.meeting_id).where(
            col(AgendaItem.meeting_id).in_(ids), AgendaItem.vote_status == "closed")).all())
    counted += [(when, "held") for mid, when in held if mid in real]
    planned = session.exec(select(Meeting.starts_at).where(
        Meeting.community_id == community_id, Meeting.status == "scheduled",
        Meeting.starts_at >= start, Meeting.starts_at < end)).all()
    counted += [(when, "scheduled") for when in planned]
    return counted


def history_began(session: Session, community_id: int) -> date:
    """The first local day the app knows of this community: its creation, or an earlier
    meeting entered afterwards. Months before it are not "without a meeting" (R4.4)."""
    created = session.exec(select(Community.created_at)
                           .where(Community.id == community_id)).one()
    first = session.exec(select(func.min(func.coalesce(Meeting.opened_at, Meeting.starts_at)))
                         .where(Meeting.community_id == community_id)).one()
    times = [service.aware(t) for t in (created, first) if t is not None]
    return service.local_today(min(times))


def month_strip(session: Session, *, community_id: int, year: int, today: date) -> list[Month]:
    """R4.4: each month of `year` with its meetings, flagging months with none so far. In
    January, last December leads the strip when it had none: the turn of the year must not
    hide a missed month."""
    tz = service.local_zone()
    began = history_began(session, community_id)
    months = [Month(m, year=year) for m in range(1, 13)]
    start = service.start_of_local_day(date(year, 1, 1))
    if today.month == 1:
        start = service.start_of_local_day(date(year - 1, 12, 1))
        months.insert(0, Month(12, year=year - 1))
    end = service.start_of_local_day(date(year + 1, 1, 1))
    by_key = {(m.year, m.month): m for m in months}
    for when, kind in _counted_meetings(session, community_id, start, end):
        local = service.aware(when).astimezone(tz)
        month = by_key[(local.year, local.month)]
        if kind == "held":
            month.held += 1
        elif local.date() >= today:
            month.scheduled += 1  # planned; a past one that never opened did not happen
    for month in months:
        current = (month.year, month.month) <= (today.year, today.month)
        if month.held:
            month.state = "held"
        elif month.scheduled:
            month.state = "scheduled"
        elif (month.year, month.month) < (began.year, began.month):
            month.state = "before"
        elif current:
            month.state = "missing"
        else:
            month.state = "future"
    if months[0].year < year and months[0].state != "missing":
        months.pop(0)  # last December only shows when it was missed
    return months


def build(session: Session, *, actor: User | None) -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries."""
    actor = require_committee(actor)
    cid = actor.community_id
    at = service.now()
    today = service.local_today(at)
    months = month_strip(session, community_id=cid, year=today.year, today=today)

    waiting_q = select(Proposal).where(Proposal.community_id == cid, Proposal.status == "open")
    waiting_total = session.exec(select(func.count()).select_from(waiting_q.subquery())).one()
    waiting = [Waiting(p, max(0, (today - service.local_today(service.aware(p.created_at))).days))
               for p in session.exec(waiting_q.order_by(Proposal.created_at, Proposal.id)
                                     .limit(LIST_LIMIT)).all()]

    late = (Resolution.community_id == cid, Resolution.deadline < today,
            Resolution.status != "done")
    overdue_total = session.exec(select(func.count()).select_from(Resolution).where(*late)).one()
    overdue = [Overdue(r, (today - r.deadline).days) for r in session.exec(
        select(Resolution).where(*late).order_by(Resolution.deadline, Resolution.id)
        .limit(LIST_LIMIT)).all()]

    average = func.avg(Rating.score)
    low_rows = session.exec(
        select(Resolution, average, func.count(Rating.id))
        .join(Rating, Rating.resolution_id == Resolution.id)
        .where(Resolution.community_id == cid)
        .group_by(Resolution.id)
        .having(func.count(Rating.id) >= MIN_RATINGS)
        .order_by(average, Resolution.id).limit(5)).all()
    lowest = [LowRated(r, round(float(avg), 2), n) for r, avg, n in low_rows]

    by_status = dict.fromkeys(RESOLUTION_STATUSES, 0)
    for status, n in session.exec(select(Resolution.status, func.count())
                                  .where(Resolution.community_id == cid)
                                  .group_by(Resolution.status)).all():
        by_status[status] = n

    roster = committee(session, cid)
    return Dashboard(year=today.year, today=today, months=months, waiting=waiting,
                     waiting_total=waiting_total, overdue=overdue, overdue_total=overdue_total,
                     lowest_rated=lowest, by_status=by_status, warnings=roster.warnings,
                     seated=roster.seated)

