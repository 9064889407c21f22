"""What the roster records beyond the seat: a full-time member's post (R1.3), the public notice
(社区公示, R2.2) with residents' objections, and the secretary's explicit choice that a member was
appointed before the record began (R2.2, a committee that existed before the app).

The notice: recording the last R2.2 step publishes a public page for a period of working days
(a setting, 5 by default). Any logged-in resident may object while it runs; the secretary answers
each objection, upholding it or not. Once the period has ended, every objection is answered and
none was upheld, the app offers to seat the member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetingroom import audit
from meetingroom.auth.service import get_user, require_secretary, update_user
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Invalid, NotAuthenticated, NotFound
from meetingroom.labels import N_
from meetingroom.models import (
    Community,
    MemberRecord,
    MemberUnit,
    NoticeObjection,
    PublicNotice,
    User,
    utcnow,
)
from meetingroom.models.roster import POSTS
from meetingroom.notifications import notify
from meetingroom.settings import get_settings
from meetingroom.types import clean_line, clean_text

POST_LABELS = {"party_secretary": N_("Community party secretary"),
               "deputy_secretary": N_("Deputy party secretary"),
               "director": N_("Residents' committee director (a party member)")}
NOTICE_DAYS = (1, 30)  # the setting's range, in working days
NOTICE_STATES = {"open": N_("Open for objections"),
                 "pending": N_("Ended; objections wait for an answer"),
                 "upheld": N_("An objection was upheld"),
                 "ended": N_("Ended without an upheld objection"),
                 "seated": N_("Seated after the notice")}


def today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def last_working_day(start: date, days: int) -> date:
    """The `days`-th working day (Monday–Friday) counting from `start` itself. Public holidays
    are not known to the app; the secretary lengthens the setting around them."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    counted = 1
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


# ------------------------------------------------------------------------------ member records


def member_record(session: Session, user_id: int) -> MemberRecord | None:
    return session.exec(select(MemberRecord).where(MemberRecord.user_id == user_id)).first()


def member_records(session: Session, user_ids: list[int]) -> dict[int, MemberRecord]:
    if not user_ids:
        return {}
    return {r.user_id: r for r in session.exec(select(MemberRecord).where(
        col(MemberRecord.user_id).in_(user_ids))).all()}


def _record_for(session: Session, actor: User, person: User) -> MemberRecord:
    record = member_record(session, person.id)
    if record is None:
        record = MemberRecord(community_id=person.community_id, user_id=person.id)
        if not insert_once(session, record):  # another secretary at the same moment
            record = member_record(session, person.id)
    assert record is not None  # inserted here, or by the other secretary
    record.updated_by_id, record.updated_at = actor.id, utcnow()
    return record


def set_post(session: Session, *, actor: User, user_id: int, post: str | None) -> MemberRecord:
    """The secretary records a member's post (R1.3): party secretary, deputy secretary or
    residents' committee director who is a party member; None clears it."""
    require_secretary(actor)
    person = get_user(session, community_id=actor.community_id, user_id=user_id)
    if post is not None and post not in POSTS:
        raise Invalid("Unknown post.", field="post", rule="R1.3")
    if post == "director" and not person.is_party_member:
        raise Invalid("The residents' committee director sits on the committee as a party "
                      "member: mark him as one first.", field="post", rule="R1.3")
    record = _record_for(session, actor, person)
    record.post = post
    session.add(record)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="member.post", entity="user", entity_id=person.id, post=post)
    return record


def set_before_record(session: Session, *, actor: User, user_id: int, before_record: bool,
                      note: str = "") -> MemberRecord:
    """The secretary records, by explicit choice, that a seated part-time member was appointed
    before the record began (R2.2); the roster then stops warning about his missing steps."""
    require_secretary(actor)
    person = get_user(session, community_id=actor.community_id, user_id=user_id)
    if before_record and person.seat != "part_time":
        raise Conflict("Only a seated part-time member can be recorded as appointed before "
                       "the record began.", rule="R2.2")
    note = clean_line(note or "")
    if len(note) > 200:
        raise Invalid("At most {n} characters.", field="note", n=200)
    record = _record_for(session, actor, person)
    record.before_record, record.before_record_note = bool(before_record), note
    session.add(record)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="member.before_record", entity="user", entity_id=person.id,
                 before_record=bool(before_record), note=note)
    return record


@dataclass
class Warning:
    rule: str
    message: str
    params: dict


def post_warnings(session: Session, members: list[User]) -> list[Warning]:
    """R1.3: warn (never block) about full-time members with no post on record, and about a
    director recorded as such who is not (or no longer) a party member."""
    records = member_records(session, [m.id for m in members])
    missing = [m.name for m in members
               if m.seat == "full_time" and not (records.get(m.id) and records[m.id].post)]
    out = []
    if missing:
        out.append(Warning("R1.3", "Full-time members without a recorded post (party "
                           "secretary, deputy secretary or residents' committee director): "
                           "{names}.", {"names": ", ".join(missing)}))
    directors = [m.name for m in members if records.get(m.id) and
                 records[m.id].post == "director" and not m.is_party_member]
    if directors:
        out.append(Warning("R1.3", "A residents' committee director sits on the committee as "
                           "a party member: {names}.", {"names": ", ".join(directors)}))
    return out


def appointed_before_record(session: Session, user_ids: list[int]) -> set[int]:
    return {uid for uid, r in member_records(session, user_ids).items() if r.before_record}


# ------------------------------------------------------------------------------ public notice


def publish_notice(session: Session, *, person: User, starts_on: date,
                   how_to_object: str = "") -> PublicNotice:
    """Called when the R2.2 notice step is recorded: the notice page goes up for the period."""
    community = session.get(Community, person.community_id)
    notice = PublicNotice(community_id=person.community_id, user_id=person.id,
                          unit_id=person.unit_id, starts_on=starts_on,
                          ends_on=last_working_day(starts_on, community.notice_days),
                          how_to_object=clean_text(how_to_object or "")[:500])
    if not insert_once(session, notice):
        raise Conflict("This step is already recorded.", rule="R2.2")
    return notice


@dataclass
class NoticeView:
    notice: PublicNotice
    person: User
    unit: MemberUnit | None
    objections: list[NoticeObjection]  # all of them for the secretary, else the reader's own
    count: int  # how many objections there are
    state: str
    today: date

    @property
    def open(self) -> bool:
        return self.state == "open"

    @property
    def can_seat(self) -> bool:
        """R2.2: ended, every objection answered, none upheld, and he holds no seat yet."""
        return self.state == "ended" and self.person.seat is None


def _state(notice: PublicNotice, objections: list[NoticeObjection], on: date) -> str:
    if notice.seated_at is not None:
        return "seated"
    if any(o.upheld for o in objections):
        return "upheld"
    if on <= notice.ends_on:
        return "open"
    if any(o.upheld is None for o in objections):
        return "pending"
    return "ended"


def _notice(session: Session, community_id: int, notice_id: int) -> PublicNotice:
    notice = session.get(PublicNotice, notice_id)
    if notice is None or notice.community_id != community_id:
        raise NotFound("No such notice.")
    return notice


def _view(session: Session, notice: PublicNotice, viewer: User | None) -> NoticeView:
    every = list(session.exec(select(NoticeObjection).where(
        NoticeObjection.notice_id == notice.id).order_by(NoticeObjection.id)).all())
    shown = every if viewer and viewer.is_secretary else [
        o for o in every if viewer and o.user_id == viewer.id]
    return NoticeView(notice, session.get(User, notice.user_id),
                      session.get(MemberUnit, notice.unit_id) if notice.unit_id else None,
                      shown, len(every), _state(notice, every, today()), today())


def read_notice(session: Session, *, community_id: int, viewer: User | None,
                notice_id: int) -> NoticeView:
    """Anyone reads a notice (it is public); objections only their authors and the secretary."""
    return _view(session, _notice(session, community_id, notice_id), viewer)


def list_notices(session: Session, *, community_id: int, viewer: User | None,
                 limit: int = 50, offset: int = 0) -> list[NoticeView]:
    """The community's notices, newest first."""
    rows = session.exec(select(PublicNotice).where(PublicNotice.community_id == community_id)
                        .order_by(PublicNotice.starts_on.desc(), col(PublicNotice.id).desc())
                        .limit(limit).offset(offset)).all()
    return [_view(session, n, viewer) for n in rows]


def notice_of(session: Session, user_id: int) -> PublicNotice | None:
    return session.exec(select(PublicNotice).where(PublicNotice.user_id == user_id)).first()


def object_to_notice(session: Session, *, actor: User | None, notice_id: int,
                     text: str) -> NoticeObjection:
    """A logged-in resident objects during the notice period, once; the secretaries are told."""
    if actor is None:
        raise NotAuthenticated()
    notice = _notice(session, actor.community_id, notice_id)
    if today() < notice.starts_on or today() > notice.ends_on:
        raise Conflict("Objections are taken during the notice period only ({start} to "
                       "{end}).", rule="R2.2", start=notice.starts_on.isoformat(),
                       end=notice.ends_on.isoformat())
    text = clean_text(text or "")
    if not text:
        raise Invalid("Write what you object to.", field="text")
    if len(text) > 1000:
        raise Invalid("At most {n} characters.", field="text", n=1000)
    row = NoticeObjection(community_id=actor.community_id, notice_id=notice.id,
                          user_id=actor.id, text=text)
    if not insert_once(session, row):
        raise Conflict("You have already sent an objection to this notice.", rule="R2.2")
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="notice.objection", entity="public_notice", entity_id=notice.id)
    person = session.get(User, notice.user_id)
    secretaries = session.exec(select(User.id).where(
        User.community_id == actor.community_id, User.is_secretary, User.is_active)).all()
    notify(session, community_id=actor.community_id, user_ids=secretaries,
           message=N_("An objection to the public notice of {name} waits for your answer."),
           link=f"/notices/{notice.id}", exclude=actor.id, name=person.name)
    return row


def answer_objection(session: Session, *, actor: User, objection_id: int, answer: str,
                     upheld: bool) -> NoticeObjection:
    """The secretary answers an objection, upholding it or not; the objector is told."""
    require_secretary(actor)
    row = session.get(NoticeObjection, objection_id)
    if row is None or row.community_id != actor.community_id:
        raise NotFound("No such objection.")
    if row.upheld is not None:
        raise Conflict("This objection has been answered.", rule="R2.2")
    answer = clean_text(answer or "")
    if not answer:
        raise Invalid("Write the answer.", field="answer")
    if len(answer) > 1000:
        raise Invalid("At most {n} characters.", field="answer", n=1000)
    row.answer, row.upheld = answer, bool(upheld)
    row.answered_at, row.answered_by_id = utcnow(), actor.id
    session.add(row)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="notice.answer", entity="public_notice", entity_id=row.notice_id,
                 objection_id=row.id, upheld=row.upheld)
    notify(session, community_id=actor.community_id, user_ids=[row.user_id],
           message=N_("Your objection to a public notice has been answered."),
           link=f"/notices/{row.notice_id}")
    return row


def seat_after_notice(session: Session, *, actor: User, notice_id: int) -> NoticeView:
    """The secretary takes the app's offer: the notice ended without an upheld objection, so the
    member takes his part-time seat (R2.2)."""
    require_secretary(actor)
    view = read_notice(session, community_id=actor.community_id, viewer=actor,
                       notice_id=notice_id)
    if view.person.seat is not None:
        raise Conflict("{name} already holds a seat.", rule="R2.2", name=view.person.name)
    if view.state != "ended":
        raise Conflict(_BLOCKED[view.state], rule="R2.2",
                       end=view.notice.ends_on.isoformat())
    update_user(session, actor=actor, user_id=view.person.id, seat=view.notice.seat)
    view.notice.seated_at = utcnow()
    session.add(view.notice)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="notice.seat", entity="public_notice", entity_id=view.notice.id,
                 user_id=view.person.id)
    view.state = "seated"
    return view


_BLOCKED = {"open": N_("The notice runs until {end}; he can be seated after it."),
            "pending": N_("Answer every objection first."),
            "upheld": N_("An objection was upheld: he cannot be seated on this notice."),
            "seated": N_("He was seated after this notice already.")}


def ready_to_seat(session: Session, community_id: int) -> list[NoticeView]:
    """The notices whose member the app offers to seat now (for the roster)."""
    rows = session.exec(select(PublicNotice).where(PublicNotice.community_id == community_id,
                                                   col(PublicNotice.seated_at).is_(None),
                                                   PublicNotice.ends_on < today())).all()
    views = [_view(session, n, None) for n in rows]
    return [v for v in views if v.can_seat]
