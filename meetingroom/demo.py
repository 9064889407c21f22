"""A believable demo community: a chair, one more full-time member, eight part-time members from
named units, a secretary, party members and residents. Loading twice changes nothing."""

from __future__ import annotations

from sqlmodel import Session, select

from meetingroom.auth.security import hash_password
from meetingroom.community.service import ensure_default_community
from meetingroom.models import MemberUnit, User

PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the demo on purpose

UNITS = [
    ("幸福路小学党支部", "school"),
    ("区第二人民医院党总支", "hospital"),
    ("幸福路派出所党支部", "police"),
    ("安居物业公司党支部", "property"),
    ("幸福苑业主委员会", "owners_committee"),
    ("新华书店幸福路店党支部", "firm"),
    ("供电所幸福路营业厅党支部", "firm"),
    ("社区居民党支部", "party_org"),
]

# (role label, name, phone, seat, unit index, secretary, party member)
PEOPLE = [
    ("chair 书记", "王建国", "13800000001", "chair", None, False, True),
    ("full-time 专职委员", "李秀英", "13800000002", "full_time", None, False, True),
    ("part-time 兼职委员 (school)", "张伟", "13800000003", "part_time", 0, False, True),
    ("part-time 兼职委员 (hospital)", "刘芳", "13800000004", "part_time", 1, False, True),
    ("part-time 兼职委员 (police)", "陈军", "13800000005", "part_time", 2, False, True),
    ("part-time 兼职委员 (property)", "杨洋", "13800000006", "part_time", 3, False, True),
    ("part-time 兼职委员 (owners)", "赵敏", "13800000007", "part_time", 4, False, True),
    ("part-time 兼职委员 (bookshop)", "黄磊", "13800000008", "part_time", 5, False, True),
    ("part-time 兼职委员 (power)", "周静", "13800000009", "part_time", 6, False, True),
    ("part-time 兼职委员 (residents)", "吴桂兰", "13800000010", "part_time", 7, False, True),
    ("secretary 会议秘书", "孙丽", "13800000011", None, None, True, True),
    ("party member 党员", "郑和平", "13800000012", None, None, False, True),
    ("party member 党员", "冯淑珍", "13800000013", None, None, False, True),
    ("resident 居民", "何小明", "13800000014", None, None, False, False),
    ("resident 居民", "马丽娟", "13800000015", None, None, False, False),
    ("resident 居民", "罗大爷", "13800000016", None, None, False, False),
]


def load_demo(session: Session) -> list[tuple[str, str, str, str]]:
    community = ensure_default_community(session)
    session.flush()
    units = []
    for name, kind in UNITS:
        unit = session.exec(select(MemberUnit).where(MemberUnit.community_id == community.id,
                                                     MemberUnit.name == name)).first()
        if unit is None:
            unit = MemberUnit(community_id=community.id, name=name, kind=kind,
                              contact_name="", contact_phone="")
            session.add(unit)
            session.flush()
        units.append(unit)
    password_hash = hash_password(PASSWORD)
    logins = []
    for role, name, phone, seat, unit_index, secretary, party in PEOPLE:
        user = session.exec(select(User).where(User.community_id == community.id,
                                               User.phone == phone)).first()
        if user is None:
            session.add(User(community_id=community.id, name=name, phone=phone,
                             password_hash=password_hash, seat=seat,
                             unit_id=units[unit_index].id if unit_index is not None else None,
                             is_secretary=secretary, is_party_member=party,
                             address="幸福苑3号楼" if seat is None else ""))
        logins.append((role, name, phone, PASSWORD))
    session.flush()
    _appointment_records(session, community.id)
    return logins


# R2.2: the demo's part-time members went through the five steps in spring.
APPOINTMENT = [("recommend", "2026-03-02", "社区党委"), ("select", "2026-03-20", "社区党员大会"),
               ("approve", "2026-04-08", "街道党工委"), ("appoint", "2026-04-15", "社区党委"),
               ("notice", "2026-04-22", "社区居委会")]


def _appointment_records(session: Session, community_id: int) -> None:
    from datetime import date

    from meetingroom.models import AppointmentStep

    part_time = session.exec(select(User).where(User.community_id == community_id,
                                                User.seat == "part_time")).all()
    for user in part_time:
        if session.exec(select(AppointmentStep.id).where(
                AppointmentStep.user_id == user.id)).first():
            continue
        for step, day, done_by in APPOINTMENT:
            session.add(AppointmentStep(community_id=community_id, user_id=user.id, step=step,
                                        done_on=date.fromisoformat(day), done_by=done_by))
    session.flush()
