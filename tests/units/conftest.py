"""A community with member units for R5 tests: a secretary, a chair, a full-time member, part-time
members each for his own unit, and a resident."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from meetingroom.models import MemberUnit, User


def fresh(session: Session) -> None:
    """See what requests committed since (end this session's snapshot, forget loaded rows)."""
    session.rollback()
    session.expire_all()


@dataclass
class Cast:
    secretary: User
    chair: User
    full_time: User
    school_member: User
    clinic_member: User
    resident: User
    school: MemberUnit
    clinic: MemberUnit
    bare: MemberUnit  # a unit with no part-time member


@pytest.fixture
def cast(factory, session) -> Cast:
    school = factory.unit("幸福路小学党支部", kind="school")
    clinic = factory.unit("社区医院党支部", kind="hospital")
    bare = factory.unit("新华书店党支部", kind="firm")
    for unit, name, phone in ((school, "王老师", "13911112222"), (clinic, "李医生", "")):
        unit.contact_name, unit.contact_phone = name, phone
        session.add(unit)
    session.commit()
    return Cast(secretary=factory.secretary(),
                chair=factory.user("书记", seat="chair", party_member=True),
                full_time=factory.user("专职", seat="full_time", party_member=True),
                school_member=factory.user("张伟", seat="part_time", party_member=True,
                                           unit=school),
                clinic_member=factory.user("刘芳", seat="part_time", party_member=True,
                                           unit=clinic),
                resident=factory.user("居民甲"), school=school, clinic=clinic, bare=bare)
