"""The demo community's year with its units (meetingroom/units/demo.py): played through the
services, believable on any day, with units falling short so the board flags something."""

from __future__ import annotations

from sqlmodel import select

from meetingroom.demo import load_demo
from meetingroom.models import (
    MemberUnit,
    UnitContact,
    UnitDeed,
    UnitNeed,
    UnitProject,
    UnitReminder,
    UnitReport,
    User,
)
from meetingroom.units import board
from meetingroom.units.demo import load_units_year


def test_demo_year_of_units_flags_the_short_ones(session, community):
    load_demo(session)
    session.commit()
    assert load_units_year(session, community.id) is False  # once only
    units = {u.name: u for u in session.exec(select(MemberUnit)).all()}
    assert all(u.reported_on and u.higher_org for u in units.values())
    assert len(session.exec(select(UnitContact)).all()) == 20
    projects = {p.title: p for p in session.exec(select(UnitProject)).all()}
    assert {p.status for p in projects.values()} == {"done", "in_progress"}
    deeds = session.exec(select(UnitDeed)).all()
    from_projects = [d for d in deeds if d.project_id]
    assert {d.project_id for d in from_projects} == {projects["长者助餐点"].id,
                                                     projects["暑期托管班"].id}
    assert sum(d.thanks for d in deeds) > 0
    assert len(session.exec(select(UnitReport)).all()) == 7 + 4
    assert len(session.exec(select(UnitReminder)).all()) == 1
    assert session.exec(select(UnitNeed).where(UnitNeed.status == "open")).all()

    secretary = session.exec(select(User).where(User.phone == "13800000011")).one()
    b = board.unit_board(session, actor=secretary)
    flagged = {f.unit.name for f in b.no_contact}
    assert {"供电所幸福路营业厅党支部", "安居物业公司党支部"} <= flagged
    assert "供电所幸福路营业厅党支部" in {f.unit.name for f in b.reminders_proposed}
    assert "新华书店幸福路店党支部" not in {f.unit.name for f in b.reminders_proposed}
    assert b.unanswered_total == 2
