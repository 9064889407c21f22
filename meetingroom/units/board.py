"""The member units' board: which unit falls short of R5, as of a day.

- R5.1: no contact (report-in or visit) since the current half year began (1 January / 1 July);
- R5.2: no good deed this year — flagged from the second half of the year on (1 July), since a
  unit has the whole year for its deed and a flag in February would be noise;
- R5.3: part-time members with no annual report for this year — flagged in the second half too;
- R5.3: a reminder talk is proposed for a unit missing contacts or deeds unless one was held
  since the half year began;
- the needs raised that nobody has answered yet (status `open`), oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from meetingroom.models import (
    MemberUnit,
    UnitContact,
    UnitDeed,
    UnitNeed,
    UnitReminder,
    UnitReport,
    User,
)
from meetingroom.units import service

NEEDS_SHOWN = 20


@dataclass
class UnitFlags:
    unit: MemberUnit
    last_contact: date | None
    contacts_this_half: int
    deeds_this_year: int
    reports_missing: list[User]
    reminder_this_half: date | None
    deed_due: bool  # whether the R5.2 flag applies yet (second half of the year)

    @property
    def no_contact(self) -> bool:
        return self.contacts_this_half == 0

    @property
    def no_deed(self) -> bool:
        return self.deed_due and self.deeds_this_year == 0

    @property
    def propose_reminder(self) -> bool:
        return (self.no_contact or self.no_deed) and self.reminder_this_half is None

    @property
    def short(self) -> bool:
        return self.no_contact or self.no_deed or bool(self.reports_missing)


@dataclass
class Board:
    today: date
    half_start: date
    units: list[UnitFlags]
    unanswered: list[UnitNeed]
    unanswered_total: int
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def no_contact(self) -> list[UnitFlags]:
        return [u for u in self.units if u.no_contact]

    @property
    def no_deed(self) -> list[UnitFlags]:
        return [u for u in self.units if u.no_deed]

    @property
    def reminders_proposed(self) -> list[UnitFlags]:
        return [u for u in self.units if u.propose_reminder]

    @property
    def reports_missing(self) -> int:
        return sum(len(u.reports_missing) for u in self.units)


def _per_unit(session: Session, stmt) -> dict:
    return {unit_id: value for unit_id, value in session.exec(stmt).all()}


def unit_board(session: Session, *, actor: User | None, today: date | None = None) -> Board:
    """Every unit's standing against R5.1–R5.3 on `today` (the secretary and members only)."""
    actor = service.require_staff(actor)
    cid = actor.community_id
    today = today or service.local_today()
    half = service.half_year_start(today)
    year_start = date(today.year, 1, 1)
    second_half = today.month >= 7
    units = list(session.exec(select(MemberUnit).where(MemberUnit.community_id == cid)
                              .order_by(MemberUnit.name, MemberUnit.id)).all())
    last = _per_unit(session, select(UnitContact.unit_id, func.max(UnitContact.held_on))
                     .where(UnitContact.community_id == cid, UnitContact.held_on <= today)
                     .group_by(UnitContact.unit_id))
    half_contacts = _per_unit(session, select(UnitContact.unit_id, func.count())
                              .where(UnitContact.community_id == cid,
                                     UnitContact.held_on >= half, UnitContact.held_on <= today)
                              .group_by(UnitContact.unit_id))
    deeds = _per_unit(session, select(UnitDeed.unit_id, func.count())
                      .where(UnitDeed.community_id == cid, UnitDeed.done_on >= year_start,
                             UnitDeed.done_on <= today).group_by(UnitDeed.unit_id))
    reminders = _per_unit(session, select(UnitReminder.unit_id, func.max(UnitReminder.held_on))
                          .where(UnitReminder.community_id == cid,
                                 UnitReminder.held_on >= half, UnitReminder.held_on <= today)
                          .group_by(UnitReminder.unit_id))
    reported = set(session.exec(select(UnitReport.member_id).where(
        UnitReport.community_id == cid, UnitReport.year == today.year)).all())
    members = service.part_time_members(session, community_id=cid)
    flags = [UnitFlags(unit=u, last_contact=last.get(u.id),
                       contacts_this_half=half_contacts.get(u.id, 0),
                       deeds_this_year=deeds.get(u.id, 0),
                       reports_missing=[m for m in members.get(u.id, []) if m.id not in reported]
                       if second_half else [],
                       reminder_this_half=reminders.get(u.id), deed_due=second_half)
             for u in units]
    open_needs = (select(UnitNeed).where(UnitNeed.community_id == cid, UnitNeed.status == "open")
                  .order_by(UnitNeed.created_at, UnitNeed.id))
    unanswered, total = service.paginate(session, open_needs, limit=NEEDS_SHOWN, offset=0)
    return Board(today=today, half_start=half, units=flags, unanswered=unanswered,
                 unanswered_total=total, unit_names={u.id: u.name for u in units})


def last_contacts(session: Session, unit_ids: list[int]) -> dict[int, date]:
    if not unit_ids:
        return {}
    return _per_unit(session, select(UnitContact.unit_id, func.max(UnitContact.held_on))
                     .where(col(UnitContact.unit_id).in_(unit_ids)).group_by(UnitContact.unit_id))
