"""The demo's last year-end review (R5.4), held through the real services on 28 December of last
year: secret scoring, the seated members and two representatives score the units, each unit's
part-time member scores the committee; closed, so its result sheets print. Two units come out
short (the same ones the units' board flags). Loading twice changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from meetingroom.models import Review, ReviewSubject, User
from meetingroom.models.base import clock_at
from meetingroom.settings import get_settings
from meetingroom.units import review as service

# How each unit did, as the room saw it (points 0–100 for the four default criteria); each
# scorer's points vary a little around these.
UNIT_LEVEL = {
    "幸福路小学党支部": (95, 92, 90, 94),
    "区第二人民医院党总支": (90, 94, 88, 90),
    "幸福路派出所党支部": (92, 85, 80, 90),
    "安居物业公司党支部": (78, 70, 72, 75),
    "幸福苑业主委员会": (85, 80, 78, 82),
    "新华书店幸福路店党支部": (62, 55, 50, 60),
    "供电所幸福路营业厅党支部": (80, 88, 85, 84),
    "社区居民党支部": (93, 90, 86, 92),
}
COMMITTEE_LEVEL = (90, 86, 88, 91)
REPRESENTATIVES = [("13800000012", "party_rep"), ("13800000014", "resident_rep")]


def _jitter(seed: int) -> int:
    return (seed * 37 + 11) % 9 - 4  # −4…+4, the same on every load


def load_review(session: Session, community_id: int) -> Review | None:
    """Last year's review, held and closed; None if it is there already."""
    zone = ZoneInfo(get_settings().timezone)
    year = service.today().year - 1
    if session.exec(select(Review).where(Review.community_id == community_id,
                                         Review.year == year)).first():
        return None
    people = {u.phone: u for u in session.exec(select(User).where(
        User.community_id == community_id)).all()}
    secretary = people.get("13800000011")
    if secretary is None:
        return None
    held = date(year, 12, 28)
    with clock_at(datetime.combine(held, time(14, 0), tzinfo=zone)):
        review = service.create_review(
            session, actor=secretary, year=year,
            title=f"{year}年度社区“大党委”双述双评会议", held_on=held,
            criteria=service.default_criteria(_zh))
        for phone, role in REPRESENTATIVES:
            if phone in people:
                service.add_scorer(session, actor=secretary, review_id=review.id,
                                   user_id=people[phone].id, role=role)
    with clock_at(datetime.combine(held, time(14, 30), tzinfo=zone)):
        service.open_review(session, actor=secretary, review_id=review.id)
    subjects = list(session.exec(select(ReviewSubject).where(
        ReviewSubject.review_id == review.id)).all())
    b = service.board(session, review)
    scorers = service.scorer_names(session, review)
    for n, (row, person) in enumerate(scorers):
        with clock_at(datetime.combine(held, time(15, n % 60), tzinfo=zone)):
            for subject in subjects:
                if subject.side != row.side or service._own_unit(row, person, subject):
                    continue
                level = (UNIT_LEVEL.get(subject.name, (80, 80, 80, 80))
                         if subject.side == "unit" else COMMITTEE_LEVEL)
                criteria = b.criteria[subject.side]
                marks = {c.id: max(0, min(100, level[i % len(level)]
                                          + _jitter(person.id + subject.id + i)))
                         for i, c in enumerate(criteria)}
                service.submit_scores(session, actor=person, review_id=review.id,
                                      subject_id=subject.id, marks=marks)
    with clock_at(datetime.combine(held, time(16, 30), tzinfo=zone)):
        service.close_review(session, actor=secretary, review_id=review.id)
    session.flush()
    return review


def _zh(message: str) -> str:
    """The demo community works in Chinese: its criteria are named in Chinese."""
    from meetingroom import i18n

    token = i18n.set_locale("zh_CN")
    try:
        return i18n.gettext(message)
    finally:
        i18n.reset_locale(token)


# R2.2: a candidate whose public notice runs now, with one resident's objection to answer.
CANDIDATE = ("钱卫东", "13800000017", "安居物业公司党支部")
STEP_DAYS = (("recommend", 30, "社区党委"), ("select", 20, "社区党员大会"),
             ("approve", 10, "街道党工委"), ("appoint", 3, "社区党委"), ("notice", 0, "社区居委会"))


def load_notice(session: Session, community_id: int) -> bool:
    """A part-time candidate on public notice, recorded through the services; once."""
    from datetime import timedelta

    from meetingroom.auth.security import hash_password
    from meetingroom.community import appointment, notice
    from meetingroom.demo import PASSWORD
    from meetingroom.models import MemberUnit

    name, phone, unit_name = CANDIDATE
    if session.exec(select(User.id).where(User.community_id == community_id,
                                          User.phone == phone)).first():
        return False
    people = {u.phone: u for u in session.exec(select(User).where(
        User.community_id == community_id)).all()}
    secretary, resident = people.get("13800000011"), people.get("13800000015")
    unit = session.exec(select(MemberUnit).where(MemberUnit.community_id == community_id,
                                                 MemberUnit.name == unit_name)).first()
    if secretary is None or unit is None:
        return False
    candidate = User(community_id=community_id, name=name, phone=phone,
                     password_hash=hash_password(PASSWORD), is_party_member=True,
                     unit_id=unit.id)
    session.add(candidate)
    session.flush()
    today = notice.today()
    for step, days_ago, done_by in STEP_DAYS:
        appointment.record_appointment_step(session, actor=secretary, user_id=candidate.id,
                                            step=step, done_on=today - timedelta(days=days_ago),
                                            done_by=done_by)
    posted = notice.notice_of(session, candidate.id)
    if resident is not None and posted is not None:
        notice.object_to_notice(session, actor=resident, notice_id=posted.id,
                                text="听说他下个月要调到外区工作，能否确认一下？")
    session.flush()
    return True
