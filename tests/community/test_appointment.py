"""R2.2: a part-time member's five appointment steps, in order, with the roster warning when one
is seated without the public notice; R3.1: the printable request to establish the committee."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from meetingroom import labels
from meetingroom.community.appointment import STEPS
from meetingroom.models import AppointmentStep, AuditLog
from tests.conftest import auth, login

DAYS = [date(2026, 3, 2), date(2026, 3, 20), date(2026, 4, 8), date(2026, 4, 15),
        date(2026, 4, 22)]
BY = ["社区党委", "社区党员大会", "街道党工委", "社区党委", "社区居委会"]


@pytest.fixture
def secretary(factory):
    return factory.secretary()


@pytest.fixture
def candidate(factory):
    return factory.user("钱小兵", seat="part_time", unit=factory.unit("幸福路小学党支部"))


def _url(user) -> str:
    return f"/api/v1/users/{user.id}/appointment"


def _record(client, secretary, user, i, **overrides):
    body = {"step": STEPS[i], "date": DAYS[i].isoformat(), "done_by": BY[i], **overrides}
    return client.post(_url(user), headers=auth(secretary), json=body)


def test_steps_are_the_five_of_r2_2_in_order():
    assert STEPS == tuple(labels.APPOINTMENT_STEPS) == (
        "recommend", "select", "approve", "appoint", "notice")


def test_five_steps_in_order_then_complete(client, secretary, candidate, session):
    r = client.get(_url(candidate), headers=auth(secretary))
    assert r.json() == {"user_id": candidate.id, "steps": [], "next_step": "recommend",
                        "complete": False}
    for i in range(5):
        r = _record(client, secretary, candidate, i, note="第一步" if i == 0 else "")
        assert r.status_code == 201, r.text
    body = r.json()
    assert body["complete"] is True and body["next_step"] is None
    assert [(s["step"], s["date"], s["done_by"]) for s in body["steps"]] == [
        (STEPS[i], DAYS[i].isoformat(), BY[i]) for i in range(5)]
    assert body["steps"][0]["note"] == "第一步"
    audits = session.exec(select(AuditLog).where(AuditLog.action == "appointment.step")).all()
    assert [a.detail["step"] for a in audits] == list(STEPS)
    assert all(a.actor_id == secretary.id and a.entity_id == candidate.id for a in audits)


def test_a_step_cannot_come_before_the_previous_one(client, secretary, candidate, session):
    r = _record(client, secretary, candidate, 1)  # selection before recommendation
    assert r.status_code == 409 and r.json()["rule"] == "R2.2"
    assert "广泛推荐" in r.json()["detail"]
    assert _record(client, secretary, candidate, 0).status_code == 201
    again = _record(client, secretary, candidate, 0)
    assert again.status_code == 409 and again.json()["rule"] == "R2.2"
    early = _record(client, secretary, candidate, 1, date=(DAYS[0] - timedelta(days=1))
                    .isoformat())
    assert early.status_code == 422 and early.json()["rule"] == "R2.2"
    future = _record(client, secretary, candidate, 1, date=(date.today() + timedelta(days=3))
                     .isoformat())
    assert future.status_code == 422
    assert _record(client, secretary, candidate, 1, done_by="  ").status_code == 422
    assert _record(client, secretary, candidate, 1, step="elect").status_code == 422
    assert len(session.exec(select(AppointmentStep)).all()) == 1


def test_who_may_record(client, factory, secretary, candidate):
    member = factory.user("委员", seat="part_time")
    assert _record(client, member, candidate, 0).status_code == 403
    assert client.get(_url(candidate), headers=auth(member)).status_code == 403
    chair = factory.user("书记", seat="chair")
    r = _record(client, secretary, chair, 0)
    assert r.status_code == 409 and r.json()["rule"] == "R2.1"
    assert client.get("/api/v1/users/999999/appointment",
                      headers=auth(secretary)).status_code == 404
    # Someone on the way to a seat (no seat yet) has a record too.
    resident = factory.user("候选人")
    assert _record(client, secretary, resident, 0).status_code == 201


def test_seated_without_public_notice_is_a_roster_warning(client, secretary, candidate):
    def r22():
        return [w for w in client.get("/api/v1/committee").json()["warnings"]
                if w["rule"] == "R2.2"]

    assert len(r22()) == 1 and candidate.name in r22()[0]["message"]
    for i in range(4):
        _record(client, secretary, candidate, i)
    assert candidate.name in r22()[0]["message"]  # appointed, but not yet publicly noticed
    login(client, secretary)
    roster = client.get("/roster").text
    assert "R2.2" in roster and candidate.name in roster
    person = client.get(f"/roster/users/{candidate.id}").text
    assert "没有社区公示的记录" in person
    _record(client, secretary, candidate, 4)
    assert r22() == []
    assert "没有社区公示的记录" not in client.get(f"/roster/users/{candidate.id}").text


def test_person_page_records_the_next_step(client, secretary, candidate):
    token = login(client, secretary)
    page = client.get(f"/roster/users/{candidate.id}").text
    assert "兼职委员产生程序" in page and 'name="step" value="recommend"' in page
    r = client.post(f"/roster/users/{candidate.id}/appointment", follow_redirects=False,
                    data={"csrf_token": token, "step": "recommend", "done_on": "2026-03-02",
                          "done_by": "社区党委", "note": ""})
    assert r.status_code == 303
    page = client.get(f"/roster/users/{candidate.id}").text
    assert "2026-03-02" in page and "社区党委" in page
    assert 'name="step" value="select"' in page
    # Out of order, from a stale page: refused with the rule, and what was typed is kept.
    r = client.post(f"/roster/users/{candidate.id}/appointment",
                    data={"csrf_token": token, "step": "approve", "done_on": "2026-04-08",
                          "done_by": "街道党工委"})
    assert r.status_code == 409
    assert "R2.2" in r.text and "组织遴选" in r.text and 'value="街道党工委"' in r.text
    r = client.post(f"/roster/users/{candidate.id}/appointment",
                    data={"csrf_token": token, "step": "select", "done_on": "not a date",
                          "done_by": "社区党员大会"})
    assert r.status_code == 422 and 'value="社区党员大会"' in r.text


def test_request_lists_area_units_and_proposed_members(client, factory, secretary):
    units = [factory.unit(n) for n in ("幸福路小学党支部", "区第二人民医院党总支",
                                      "幸福路派出所党支部")]
    chair = factory.user("王建国", seat="chair")
    member = factory.user("刘芳", seat="part_time", unit=units[1])
    factory.user("居民甲")
    login(client, secretary)
    r = client.get("/roster/request")
    assert r.status_code == 200
    html = r.text
    assert "关于成立幸福社区“大党委”的请示" in html and "街道党工委" in html
    assert "共 3 个党组织" in html
    listed = re.findall(r"<li>([^<]+)</li>", html[html.index('class="units"'):])
    assert listed == sorted(u.name for u in units)
    assert "<td>1</td><td>王建国</td><td>书记</td>" in html
    assert f"<td>2</td><td>{member.name}</td><td>兼职委员</td><td>区第二人民医院党总支</td>" in html
    assert "居民甲" not in html and chair.name in html
    assert 'href="/roster/request"' in client.get("/roster").text


def test_request_is_for_the_secretary(client, factory):
    login(client, factory.user("委员", seat="part_time"))
    assert client.get("/roster/request").status_code == 403


def test_demo_part_time_members_have_the_five_steps(client, session, community):
    from meetingroom.demo import load_demo

    load_demo(session)
    load_demo(session)  # idempotent
    session.commit()
    warnings = client.get("/api/v1/committee").json()["warnings"]
    assert [w for w in warnings if w["rule"] == "R2.2"] == []
    # The eight part-time members, and the candidate whose public notice runs now
    # (units/review_demo.py).
    assert len(session.exec(select(AppointmentStep)).all()) == 8 * 5 + 5
