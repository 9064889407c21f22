"""R2.2's public notice (the page, objections during the period, answers, the offer to seat),
"appointed before the record began", and R1.3's posts with their roster warning."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from meetingroom.community.notice import last_working_day, today
from meetingroom.models import NoticeObjection, Notification, User
from tests.conftest import auth, csrf_of, login

STEPS = ("recommend", "select", "approve", "appoint", "notice")


@pytest.fixture
def secretary(factory):
    return factory.secretary()


@pytest.fixture
def candidate(factory):
    return factory.user("钱小兵", unit=factory.unit("幸福路小学党支部"))


def _steps(client, secretary, person, notice_on: date):
    for i, step in enumerate(STEPS):
        day = notice_on - timedelta(days=4 - i) if step != "notice" else notice_on
        r = client.post(f"/api/v1/users/{person.id}/appointment", headers=auth(secretary),
                        json={"step": step, "date": day.isoformat(), "done_by": "社区党委"})
        assert r.status_code == 201, r.text
    notices = client.get("/api/v1/notices").json()["items"]
    return next(n for n in notices if n["user_id"] == person.id)


@pytest.mark.parametrize(("start", "days", "end"), [
    (date(2026, 11, 30), 5, date(2026, 12, 4)),   # Monday: to Friday
    (date(2026, 12, 5), 5, date(2026, 12, 11)),   # Saturday: Monday to Friday
    (date(2026, 12, 4), 1, date(2026, 12, 4)),    # Friday, one day
    (date(2026, 12, 4), 2, date(2026, 12, 7)),    # Friday and Monday
    (date(2026, 12, 6), 1, date(2026, 12, 7)),    # Sunday: Monday
    (date(2026, 12, 2), 10, date(2026, 12, 15)),  # two weeks
])
def test_the_period_counts_working_days(start, days, end):
    assert last_working_day(start, days) == end


def test_recording_the_notice_step_publishes_a_public_page(client, secretary, candidate):
    n = _steps(client, secretary, candidate, today())
    assert n["state"] == "open" and n["name"] == "钱小兵"
    assert n["unit_name"] == "幸福路小学党支部" and n["seat"] == "part_time"
    assert n["ends_on"] == last_working_day(today(), 5).isoformat()
    client.cookies.set("mr_lang", "zh_CN")
    html = client.get(f"/notices/{n['id']}").text  # anyone, not logged in
    assert "钱小兵" in html and "幸福路小学党支部" in html and "兼职委员" in html
    assert "登录" in html and n["ends_on"] in html
    assert "钱小兵" in client.get("/notices").text


def test_residents_object_once_during_the_period_and_the_secretary_answers(
        client, secretary, candidate, factory, session):
    n = _steps(client, secretary, candidate, today())
    one, two = factory.user("居民甲"), factory.user("居民乙")
    url = f"/api/v1/notices/{n['id']}/objections"
    assert client.post(url, json={"text": "x"}).status_code == 401
    assert client.post(url, headers=auth(one), json={"text": "  "}).status_code == 422
    r = client.post(url, headers=auth(one), json={"text": "他常年不在社区。"})
    assert r.status_code == 201, r.text
    again = client.post(url, headers=auth(one), json={"text": "再说一次"})
    assert again.status_code == 409 and again.json()["rule"] == "R2.2"
    # The secretary is told; the other resident sees the count, never the text.
    told = session.exec(select(Notification).where(Notification.user_id == secretary.id)).all()
    assert len(told) == 1 and told[0].link == f"/notices/{n['id']}"
    seen = client.get(f"/api/v1/notices/{n['id']}", headers=auth(two)).json()
    assert seen["objections"] == 1 and seen["mine"] == []
    mine = client.get(f"/api/v1/notices/{n['id']}", headers=auth(one)).json()["mine"]
    assert [m["text"] for m in mine] == ["他常年不在社区。"]
    every = client.get(f"/api/v1/notices/{n['id']}", headers=auth(secretary)).json()["mine"]
    oid = every[0]["id"]
    assert client.post(f"/api/v1/objections/{oid}/answer", headers=auth(one),
                       json={"answer": "no", "upheld": False}).status_code == 403
    r = client.post(f"/api/v1/objections/{oid}/answer", headers=auth(secretary),
                    json={"answer": "经核实，他一直在社区工作。", "upheld": False})
    assert r.status_code == 200 and r.json()["upheld"] is False
    assert client.post(f"/api/v1/objections/{oid}/answer", headers=auth(secretary),
                       json={"answer": "again", "upheld": True}).status_code == 409
    session.rollback()  # a fresh snapshot: the answer was written by another connection
    assert session.exec(select(Notification).where(Notification.user_id == one.id)).first()
    # Still in the period: no offer to seat yet.
    r = client.post(f"/api/v1/notices/{n['id']}/seat", headers=auth(secretary))
    assert r.status_code == 409 and r.json()["rule"] == "R2.2"


def test_when_the_period_ends_without_an_upheld_objection_the_app_offers_to_seat(
        client, secretary, candidate, session):
    n = _steps(client, secretary, candidate, today() - timedelta(days=20))
    assert n["state"] == "ended" and n["can_seat"] is True
    # Too late to object.
    r = client.post(f"/api/v1/notices/{n['id']}/objections", headers=auth(candidate),
                    json={"text": "late"})
    assert r.status_code == 409
    token = login(client, secretary)
    client.cookies.set("mr_lang", "zh_CN")
    roster = client.get("/roster").text
    assert f'href="/notices/{n["id"]}"' in roster
    page = client.get(f"/notices/{n['id']}").text
    assert f'action="/notices/{n["id"]}/seat"' in page
    r = client.post(f"/notices/{n['id']}/seat", data={"csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    session.rollback()
    assert session.exec(select(User.seat).where(User.id == candidate.id)).one() == "part_time"
    warnings = client.get("/api/v1/committee").json()["warnings"]
    assert not any("钱小兵" in w["message"] for w in warnings)
    r = client.post(f"/api/v1/notices/{n['id']}/seat", headers=auth(secretary))
    assert r.status_code == 409


@pytest.mark.parametrize("answer", [None, True])
def test_an_unanswered_or_upheld_objection_blocks_the_seat(client, secretary, candidate,
                                                           factory, session, answer):
    n = _steps(client, secretary, candidate, today() - timedelta(days=20))
    resident = factory.user("居民丙")
    session.add(NoticeObjection(community_id=candidate.community_id, notice_id=n["id"],
                                user_id=resident.id, text="有异议", upheld=answer,
                                answer="属实" if answer else ""))
    session.commit()
    body = client.get(f"/api/v1/notices/{n['id']}", headers=auth(secretary)).json()
    assert body["state"] == ("upheld" if answer else "pending") and body["can_seat"] is False
    r = client.post(f"/api/v1/notices/{n['id']}/seat", headers=auth(secretary))
    assert r.status_code == 409 and r.json()["rule"] == "R2.2"


def test_the_notice_period_is_a_setting(client, secretary, candidate):
    url = "/api/v1/community/settings"
    for bad in (0, 31):
        assert client.patch(url, headers=auth(secretary),
                            json={"notice_days": bad}).status_code == 422
    assert client.patch(url, headers=auth(secretary),
                        json={"notice_days": 10}).json()["notice_days"] == 10
    n = _steps(client, secretary, candidate, today())
    assert n["ends_on"] == last_working_day(today(), 10).isoformat()


def _warnings(client) -> list[dict]:
    return client.get("/api/v1/committee").json()["warnings"]


def test_a_member_appointed_before_the_record_began(client, secretary, factory):
    old = factory.user("老委员", seat="part_time", unit=factory.unit("供电所党支部"))
    assert any(w["rule"] == "R2.2" and "老委员" in w["message"] for w in _warnings(client))
    url = f"/api/v1/users/{old.id}/before-record"
    r = client.put(url, headers=auth(secretary), json={"before_record": True,
                                                      "note": "2019年聘任"})
    assert r.status_code == 200 and r.json()["before_record"] is True
    assert not any("老委员" in w["message"] for w in _warnings(client))
    # The roster page says so too, and the secretary can take it back.
    token = login(client, secretary)
    page = client.get(f"/roster/users/{old.id}").text
    assert "before-record" in page and "2019年聘任" in page
    r = client.post(f"/roster/users/{old.id}/before-record",
                    data={"csrf_token": token, "note": ""}, follow_redirects=False)
    assert r.status_code == 303
    assert any("老委员" in w["message"] for w in _warnings(client))
    # Only for a seated part-time member, and only the secretary.
    resident = factory.user("居民")
    r = client.put(f"/api/v1/users/{resident.id}/before-record", headers=auth(secretary),
                   json={"before_record": True})
    assert r.status_code == 409
    assert client.put(url, headers=auth(old), json={"before_record": True}).status_code == 403


def test_full_time_members_have_a_post_r1_3(client, secretary, factory):
    member = factory.user("李秀英", seat="full_time")
    r13 = [w for w in _warnings(client) if w["rule"] == "R1.3"]
    assert len(r13) == 1 and "李秀英" in r13[0]["message"]
    url = f"/api/v1/users/{member.id}/post"
    assert client.put(url, headers=auth(secretary), json={"post": "mayor"}).status_code == 422
    r = client.put(url, headers=auth(secretary), json={"post": "director"})
    assert r.status_code == 422 and r.json()["rule"] == "R1.3"  # not a party member
    r = client.put(url, headers=auth(secretary), json={"post": "deputy_secretary"})
    assert r.status_code == 200 and r.json()["post"] == "deputy_secretary"
    assert not [w for w in _warnings(client) if w["rule"] == "R1.3"]
    # The roster page's form.
    token = login(client, secretary)
    client.cookies.set("mr_lang", "zh_CN")
    page = client.get(f"/roster/users/{member.id}").text
    assert "副书记" in page
    r = client.post(f"/roster/users/{member.id}/post", data={"csrf_token": token, "post": ""},
                    follow_redirects=False)
    assert r.status_code == 303
    assert [w for w in _warnings(client) if w["rule"] == "R1.3"]
    assert csrf_of(client, "/roster")


def test_english_pages_carry_no_chinese_interface_text(client, secretary, candidate):
    import re as re_

    n = _steps(client, secretary, candidate, today())
    login(client, secretary)
    client.cookies.set("mr_lang", "en")
    for path in ("/notices", f"/notices/{n['id']}", "/roster/import", "/reviews",
                 "/reviews/new", f"/roster/users/{candidate.id}"):
        html = client.get(path).text
        text = re_.sub(r"<[^>]+>", " ", html)
        for data in ("幸福社区", "钱小兵", "幸福路小学党支部", "社区党委", "（切换到中文）",
                     "中文"):
            text = text.replace(data, "")
        assert not re_.search(r"[\u4e00-\u9fff]", text), (path, re_.findall(
            r"[\u4e00-\u9fff]+", text)[:5])
