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
from sqlmodel import Session, select

from meetingroom.community.service import Warning, committee
from meetingroom.errors import Forbidden, NotAuthenticated
from meetingroom.followup import service
from meetingroom.models import Meeting, Proposal, Rating, Resolution, User
from meetingroom.models.followup import RESOLUTION_STATUSES

MIN_RATINGS = 3
LIST_LIMIT = 10
HELD = ("open", "closed")


@dataclass
class Month:
    month: int
    held: int = 0
    scheduled: int = 0
    # held | scheduled (only planned ones, this month or later) | missing (none, up to this
    # month: the R4.4 flag) | future
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
        return [m.month for m in self.months if m.state == "missing"]

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


def month_strip(session: Session, *, community_id: int, year: int, today: date) -> list[Month]:
    """R4.4: each month of `year` with its meetings, flagging months with none so far."""
    tz = service.local_zone()
    start = service.start_of_local_day(date(year, 1, 1))
    end = service.start_of_local_day(date(year + 1, 1, 1))
    months = [Month(m) for m in range(1, 13)]
    rows = session.exec(select(Meeting.starts_at, Meeting.status).where(
        Meeting.community_id == community_id, Meeting.starts_at >= start,
        Meeting.starts_at < end)).all()
    for starts_at, status in rows:
        local = service.aware(starts_at).astimezone(tz)
        month = months[local.month - 1]
        if status in HELD:
            month.held += 1
        elif local.date() >= today:
            month.scheduled += 1  # planned; a past one that never opened did not happen
    for month in months:
        current = (year, month.month) <= (today.year, today.month)
        if month.held:
            month.state = "held"
        elif month.scheduled:
            month.state = "scheduled"
        elif current:
            month.state = "missing"
        else:
            month.state = "future"
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

