"""R2.2: the five-step appointment record of a part-time member, and R3.1: the request to the
street party working committee to establish the committee, printed from the roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetingroom import audit, labels
from meetingroom.auth.service import get_user, require_secretary
from meetingroom.community.notice import appointed_before_record, publish_notice
from meetingroom.community.service import Committee, Warning, committee, list_units
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Invalid
from meetingroom.i18n import gettext
from meetingroom.models import AppointmentStep, Community, MemberUnit, User
from meetingroom.settings import get_settings

# R2.2, in the order they must happen: broad recommendation → organisational selection →
# higher approval → appointment → public notice. Only after the notice does he hold a seat.
STEPS = ("recommend", "select", "approve", "appoint", "notice")


@dataclass
class AppointmentRecord:
    person: User
    steps: list[AppointmentStep]  # recorded so far, in R2.2 order

    @property
    def next_step(self) -> str | None:
        return STEPS[len(self.steps)] if len(self.steps) < len(STEPS) else None

    @property
    def complete(self) -> bool:
        return self.next_step is None

    @property
    def applies(self) -> bool:
        """R2.1: the chair and full-time members join directly; R2.2 is for part-time members
        and those on the way to a part-time seat."""
        return self.person.seat in (None, "part_time")

    before_record: bool = False  # the secretary recorded him as appointed before the record

    @property
    def seated_without_notice(self) -> bool:
        return self.person.seat == "part_time" and not self.complete and not self.before_record


def _steps(session: Session, user_id: int) -> list[AppointmentStep]:
    rows = session.exec(select(AppointmentStep).where(AppointmentStep.user_id == user_id)).all()
    return sorted(rows, key=lambda s: STEPS.index(s.step) if s.step in STEPS else len(STEPS))


def appointment_record(session: Session, *, actor: User, user_id: int) -> AppointmentRecord:
    """The secretary reads a person's R2.2 record."""
    require_secretary(actor)
    person = get_user(session, community_id=actor.community_id, user_id=user_id)
    return AppointmentRecord(person=person, steps=_steps(session, person.id),
                             before_record=bool(appointed_before_record(session, [person.id])))


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def record_appointment_step(session: Session, *, actor: User, user_id: int, step: str,
                            done_on: date | None, done_by: str,
                            note: str = "") -> AppointmentRecord:
    """The secretary records the next R2.2 step of a part-time member: its date, who did it."""
    record = appointment_record(session, actor=actor, user_id=user_id)
    if not record.applies:
        raise Conflict("The chair and full-time members join directly; the five steps are for "
                       "part-time members.", rule="R2.1")
    if step not in STEPS:
        raise Invalid("Unknown step.", field="step", rule="R2.2")
    if any(s.step == step for s in record.steps):
        raise Conflict("This step is already recorded.", rule="R2.2")
    if step != record.next_step:
        raise Conflict("Record the steps in order: next is “{step}”.", rule="R2.2",
                       step=gettext(labels.APPOINTMENT_STEPS[record.next_step]))
    if done_on is None:
        raise Invalid("Enter the date.", field="done_on")
    if done_on > _today():
        raise Invalid("The date cannot be in the future.", field="done_on")
    if record.steps and done_on < record.steps[-1].done_on:
        raise Invalid("A step cannot come before the one it follows ({date}).", field="done_on",
                      rule="R2.2", date=record.steps[-1].done_on.isoformat())
    done_by = (done_by or "").strip()
    if not done_by:
        raise Invalid("Enter who did it (a person or a body).", field="done_by")
    if len(done_by) > 100:
        raise Invalid("At most {n} characters.", field="done_by", n=100)
    note = (note or "").strip()
    if len(note) > 500:
        raise Invalid("At most {n} characters.", field="note", n=500)
    row = AppointmentStep(community_id=actor.community_id, user_id=record.person.id, step=step,
                          done_on=done_on, done_by=done_by, note=note)
    if not insert_once(session, row):  # two secretaries recording the same step at once
        raise Conflict("This step is already recorded.", rule="R2.2")
    if step == "notice":  # R2.2: the public notice page goes up for its period
        publish_notice(session, person=record.person, starts_on=done_on)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="appointment.step", entity="user", entity_id=record.person.id,
                 step=step, done_on=done_on.isoformat(), done_by=done_by)
    record.steps.append(row)
    return record


def notice_warnings(session: Session, members: list[User]) -> list[Warning]:
    """R2.2: a part-time member holds his seat only after the public notice; warn (never block)
    about those seated without it on record."""
    part_time = [m for m in members if m.seat == "part_time"]
    if not part_time:
        return []
    noticed = set(session.exec(select(AppointmentStep.user_id).where(
        col(AppointmentStep.user_id).in_([m.id for m in part_time]),
        AppointmentStep.step == "notice")).all())
    # Seated directly because the committee existed before the app: the secretary said so.
    noticed |= appointed_before_record(session, [m.id for m in part_time])
    missing = [m.name for m in part_time if m.id not in noticed]
    if not missing:
        return []
    return [Warning("R2.2", "Part-time members seated without a recorded public notice: "
                    "{names}.", {"names": ", ".join(missing)})]


@dataclass
class EstablishmentRequest:
    """R3.1: the area, the party organisations in it, the proposed members."""

    community: Community
    units: list[MemberUnit]
    committee: Committee
    today: date


def establishment_request(session: Session, *, actor: User) -> EstablishmentRequest:
    """The secretary prints the R3.1 request from the roster."""
    require_secretary(actor)
    return EstablishmentRequest(community=session.get(Community, actor.community_id),
                                units=list_units(session, actor.community_id),
                                committee=committee(session, actor.community_id),
                                today=_today())
