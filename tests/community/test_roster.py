"""The committee roster: R1.1/R1.2 warnings, member units, roster pages for the secretary."""

import pytest

from meetingroom.community.service import roster_warnings
from meetingroom.models import User
from tests.conftest import auth, csrf_of, login


def seats(chair=1, full=1, part=8, part_without_unit=0):
    members = [User(name="c", phone="", password_hash="", community_id=1, seat="chair")
               for _ in range(chair)]
    members += [User(name="f", phone="", password_hash="", community_id=1, seat="full_time")
                for _ in range(full)]
    members += [User(name="p", phone="", password_hash="", community_id=1, seat="part_time",
                     unit_id=1) for _ in range(part)]
    members += [User(name=f"nounit{i}", phone="", password_hash="", community_id=1,
                     seat="part_time") for i in range(part_without_unit)]
    return members


def test_a_committee_by_the_book_has_no_warnings():
    assert roster_warnings(seats(1, 1, 8)) == []
    assert roster_warnings(seats(1, 2, 7)) == []
    assert roster_warnings(seats(1, 1, 9)) == []


@pytest.mark.parametrize(("chair", "full", "part", "expected"), [
    (1, 1, 6, {"The committee has {n} members; in principle it has 9 to 11.",
               "There are {n} part-time members; in principle there are 7 to 9."}),
    (1, 3, 7, {"There are {n} full-time members; in principle there are 1 to 2."}),
    (1, 3, 8, {"There are {n} full-time members; in principle there are 1 to 2.",
               "The committee has {n} members; in principle it has 9 to 11."}),
    (0, 2, 8, {"The committee should have exactly one chair; it has {n}."}),
    (1, 1, 10, {"The committee has {n} members; in principle it has 9 to 11.",
                "There are {n} part-time members; in principle there are 7 to 9."}),
])
def test_roster_outside_r1_1_warns_but_never_blocks(chair, full, part, expected):
    warnings = roster_warnings(seats(chair, full, part))
    assert {w.message for w in warnings} == expected
    assert {w.rule for w in warnings} == {"R1.1"}


def test_part_time_member_without_unit_warns_r1_2():
    warnings = roster_warnings(seats(1, 1, 7, part_without_unit=1))
    assert [(w.rule, w.params) for w in warnings] == [("R1.2", {"names": "nounit0"})]


def test_committee_page_shows_members_by_seat_and_warnings(client, factory):
    factory.committee(5)
    html = client.get("/committee").text
    assert "书记" in html and "专职委员" in html and "兼职委员" in html
    assert "班子现有 5 名委员；原则上应为 9–11 名。" in html
    client.cookies.set("mr_lang", "en")
    en = client.get("/committee").text
    client.cookies.delete("mr_lang")
    assert "The committee has 5 members; in principle it has 9 to 11." in en
    api = client.get("/api/v1/committee").json()
    assert api["seated"] == 5
    assert {"rule": "R1.1", "message": "班子现有 5 名委员；原则上应为 9–11 名。"} in api["warnings"]


def test_roster_pages_are_for_the_secretary_only(client, factory):
    member = factory.user(seat="chair")
    login(client, member)
    assert client.get("/roster").status_code == 403
    client.cookies.clear()
    r = client.get("/roster", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_secretary_adds_a_unit_and_a_seated_member_through_the_forms(client, factory, session):
    sec = factory.secretary()
    login(client, sec)
    token = csrf_of(client, "/roster")
    r = client.post("/roster/units", data={"csrf_token": token, "name": "幸福路派出所党支部",
                                           "kind": "police", "contact_name": "陈警官"})
    assert r.status_code == 200 and "幸福路派出所党支部" in r.text
    unit_id = client.get("/api/v1/units").json()["items"][0]["id"]
    r = client.post("/roster/users", data={
        "csrf_token": token, "name": "陈军", "phone": "13722223333", "password": "chen-jun-2026",
        "seat": "part_time", "unit": str(unit_id), "is_party_member": "true"})
    assert r.status_code == 200 and "已添加 陈军" in r.text
    member = client.get("/api/v1/committee").json()["members"][0]
    assert member["name"] == "陈军" and member["unit_name"] == "幸福路派出所党支部"
    # Bad input keeps what was typed and says what is wrong.
    r = client.post("/roster/users", data={"csrf_token": token, "name": "李四",
                                           "phone": "13722223333", "password": "li-si-2026"})
    assert r.status_code == 409 and "该手机号已注册" in r.text and 'value="李四"' in r.text
    r = client.post("/roster/units", data={"csrf_token": token, "name": "幸福路派出所党支部",
                                           "kind": "police"})
    assert r.status_code == 409 and "已有同名的成员单位" in r.text


def test_secretary_edits_a_person(client, factory):
    sec = factory.secretary()
    person = factory.user("王五")
    login(client, sec)
    token = csrf_of(client, f"/roster/users/{person.id}")
    r = client.post(f"/roster/users/{person.id}",
                    data={"csrf_token": token, "name": "王五", "seat": "full_time",
                          "is_party_member": "true"}, follow_redirects=False)
    assert r.status_code == 303
    me = client.get("/api/v1/committee").json()["members"]
    assert [(m["name"], m["seat"]) for m in me] == [("王五", "full_time")]
    # The secretary cannot take away his own role (someone must keep the roster).
    r = client.patch(f"/api/v1/users/{sec.id}", headers=auth(sec), json={"is_secretary": False})
    assert r.status_code == 409


def test_units_api(client, factory):
    sec = factory.secretary()
    r = client.post("/api/v1/units", headers=auth(sec),
                    json={"name": "安居物业公司党支部", "kind": "property"})
    assert r.status_code == 201
    r = client.post("/api/v1/units", headers=auth(sec), json={"name": "X", "kind": "castle"})
    assert r.status_code == 422
    r = client.put(f"/api/v1/units/{client.get('/api/v1/units').json()['items'][0]['id']}",
                   headers=auth(sec), json={"name": "安居物业党支部", "kind": "property"})
    assert r.status_code == 200 and r.json()["name"] == "安居物业党支部"
