"""The secretary enters suggestions for residents without a phone and keeps the category list."""

from sqlmodel import func, select

from meetingroom.models import AuditLog, Category, Suggestion
from tests.conftest import auth, login
from tests.suggestions.helpers import files, make, png, submit


def test_secretary_enters_a_suggestion_for_a_resident(client, factory, session):
    secretary = factory.secretary()
    s = make(client, secretary, title="Handrail at building 5", resident_name="罗大爷",
             resident_address="5-1-101", show_name="true", photos=files(png()))
    assert s["entered_by_staff"] and s["author_name"] == "罗大爷"
    row = session.get(Suggestion, s["id"])
    assert row.entered_by_id == secretary.id and row.on_behalf_name == "罗大爷"
    assert row.on_behalf_address == "5-1-101"
    assert session.exec(select(AuditLog).where(AuditLog.action == "suggestion.enter")).one()
    page = client.get(f"/suggestions/{s['id']}").text
    assert "工作人员代录" in page and "罗大爷" in page
    assert "5-1-101" not in page  # the address is for the secretary only
    login(client, secretary)
    assert "5-1-101" in client.get(f"/suggestions/{s['id']}").text


def test_staff_entry_without_show_name_keeps_the_name_private(client, factory):
    s = make(client, factory.secretary(), resident_name="钱阿姨")
    assert s["author_name"] is None and s["entered_by_staff"]
    assert "钱阿姨" not in client.get(f"/suggestions/{s['id']}").text


def test_only_the_secretary_enters_for_residents(client, factory, session):
    r = submit(client, factory.user(seat="chair"), resident_name="Someone")
    assert r.status_code == 403
    r = submit(client, factory.secretary(), resident_name="x" * 51,
               )
    assert r.status_code == 422 and r.json()["field"] == "resident_name"
    assert session.exec(select(func.count()).select_from(Suggestion)).one() == 0


def test_staff_form_page(client, factory, session):
    csrf = login(client, factory.secretary())
    page = client.get("/suggestions/staff").text
    assert 'name="resident_name"' in page and "代居民录入建议" in page
    r = client.post("/suggestions/staff", data={"csrf_token": csrf, "resident_name": "",
                                                "title": "Bench"})
    assert r.status_code == 422 and "请填写居民姓名" in r.text and 'value="Bench"' in r.text
    r = client.post("/suggestions/staff", data={"csrf_token": csrf, "resident_name": "罗大爷",
                                                "title": "Bench"}, follow_redirects=False)
    assert r.status_code == 303
    assert session.exec(select(Suggestion.on_behalf_name)).one() == "罗大爷"
    csrf = login(client, factory.user())
    assert client.get("/suggestions/staff").status_code == 403
    r = client.post("/suggestions/staff", data={"csrf_token": csrf, "resident_name": "x",
                                                "title": "Bench"})
    assert r.status_code == 403


def test_categories_are_listed_in_order(client):
    r = client.get("/api/v1/categories", headers={"Accept-Language": "en"})
    assert [c["code"] for c in r.json()] == ["environment", "safety", "facilities", "parking",
                                             "elderly", "other"]
    assert r.json()[0]["name"] == "Environment"
    assert client.get("/api/v1/categories").json()[0]["name"] == "环境卫生"


def test_secretary_adds_renames_and_switches_off_categories(client, factory, session):
    secretary = factory.secretary()
    r = client.post("/api/v1/categories", json={"code": "greening", "name_zh": "绿化",
                                                 "name_en": "Greening"}, headers=auth(secretary))
    assert r.status_code == 201 and r.json()["position"] == 6
    dup = client.post("/api/v1/categories", json={"code": "greening", "name_zh": "x",
                                                   "name_en": "x"}, headers=auth(secretary))
    assert dup.status_code == 409
    bad = client.post("/api/v1/categories", json={"code": "Green Things", "name_zh": "x",
                                                   "name_en": "x"}, headers=auth(secretary))
    assert bad.status_code == 422
    assert make(client, factory.user(), category="greening")["category"] == "greening"
    cid = r.json()["id"]
    r = client.patch(f"/api/v1/categories/{cid}", json={"active": False, "name_zh": "绿化美化"},
                     headers=auth(secretary))
    assert r.status_code == 200 and not r.json()["active"]
    # Switched off: no longer offered, refused for new suggestions, kept on old ones.
    assert "greening" not in [c["code"] for c in client.get("/api/v1/categories").json()]
    assert submit(client, factory.user(), category="greening").status_code == 422
    assert client.get("/api/v1/suggestions?limit=1").json()["items"][0]["category_name"] == \
        "绿化美化"
    resident = factory.user()
    assert client.post("/api/v1/categories", json={"code": "x", "name_zh": "x", "name_en": "x"},
                       headers=auth(resident)).status_code == 403
    assert client.patch(f"/api/v1/categories/{cid}", json={"active": True},
                        headers=auth(resident)).status_code == 403


def test_categories_page(client, factory, session):
    csrf = login(client, factory.secretary())
    page = client.get("/suggestions/categories").text
    assert page.count('name="name_zh"') == 7  # six rows and the add form
    r = client.post("/suggestions/categories", data={"csrf_token": csrf, "code": "Bad Code",
                                                     "name_zh": "坏", "name_en": "Bad"})
    assert r.status_code == 422 and 'value="坏"' in r.text
    r = client.post("/suggestions/categories", data={"csrf_token": csrf, "code": "noise",
                                                     "name_zh": "噪音", "name_en": "Noise"},
                    follow_redirects=False)
    assert r.status_code == 303
    cat = session.exec(select(Category).where(Category.code == "parking")).one()
    r = client.post(f"/suggestions/categories/{cat.id}", data={
        "csrf_token": csrf, "name_zh": "停车", "name_en": "Parking", "position": "0"},
        follow_redirects=False)
    assert r.status_code == 303
    session.commit()  # a fresh read snapshot
    session.refresh(cat)
    assert cat.name_zh == "停车" and not cat.active  # the unticked box switches it off
