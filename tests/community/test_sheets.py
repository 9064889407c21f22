"""Spreadsheets: the roster, units and deeds as .xlsx; the roster imported from .xlsx or .csv
through a preview that shows each row's errors before anything is written."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select

from meetingroom.models import MemberRecord, UnitDeed, User
from tests.conftest import auth, login

HEADER = ["姓名", "手机号", "地址", "委员席位", "成员单位", "党员", "现任职务"]


@pytest.fixture
def secretary(factory):
    return factory.secretary()


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(content: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


def _count(session) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(User)).one()


def _check(client, user, content: bytes, name: str):
    return client.post("/api/v1/roster/import", headers=auth(user),
                       files={"file": (name, content)})


def test_roster_export(client, secretary, factory):
    unit = factory.unit("幸福路小学党支部")
    factory.user("=HYPERLINK(\"http://evil\")", seat="part_time", unit=unit, party_member=True)
    client.cookies.set("mr_lang", "zh_CN")
    assert client.get("/api/v1/roster.xlsx", headers=auth(factory.user())).status_code == 403
    r = client.get("/api/v1/roster.xlsx", headers=auth(secretary))
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    rows = _sheet(r.content)
    assert rows[0][:4] == ["姓名", "手机号", "地址", "委员席位"]
    evil = next(row for row in rows if "HYPERLINK" in str(row[0]))
    assert evil[3] == "兼职委员" and evil[5] == "幸福路小学党支部" and evil[6] == "是"
    # A name that looks like a formula stays text in the office's spreadsheet program.
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    cell = next(c for c in ws["A"] if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"


def test_import_preview_shows_every_rows_errors_and_writes_nothing(client, secretary, factory,
                                                                  session):
    factory.unit("幸福路小学党支部")
    taken = factory.user("已有")
    rows = [HEADER,
            ["张三", "13911112222", "幸福苑1号楼", "兼职委员", "幸福路小学党支部", "是", ""],
            ["李四", "12345", "", "", "", "否", ""],                     # bad phone
            ["王五", "13911112222", "", "", "", "", ""],                 # same as line 2
            ["赵六", taken.phone, "", "", "", "", ""],                  # already registered
            ["钱七", "13911113333", "", "书记长", "不存在的单位", "也许", "董事"],
            ["孙八", "13911114444", "", "专职委员", "", "是", "副书记"]]
    before = _count(session)
    r = _check(client, secretary, _xlsx(rows), "名册.xlsx")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["valid"], body["invalid"]) == (2, 4)
    errors = {row["line"]: row["errors"] for row in body["rows"]}
    assert errors[2] == [] and errors[7] == []
    assert len(errors[3]) == 1 and "11" in errors[3][0]
    assert "2" in errors[4][0] and len(errors[5]) == 1 and len(errors[6]) == 4
    assert _count(session) == before
    # "Import all" refuses while any row is bad: still nothing written.
    r = client.post(f"/api/v1/roster/import/{body['token']}", headers=auth(secretary),
                    json={"skip_invalid": False})
    assert r.status_code == 409 and r.json()["invalid"] == 4
    assert _count(session) == before
    # Skipping the bad rows imports the two good ones, with generated passwords that work.
    r = client.post(f"/api/v1/roster/import/{body['token']}", headers=auth(secretary),
                    json={"skip_invalid": True})
    assert r.status_code == 201, r.text
    created = r.json()["created"]
    assert [c["name"] for c in created] == ["张三", "孙八"] and r.json()["skipped"] == 4
    assert _count(session) == before + 2
    sun = session.exec(select(User).where(User.phone == "13911114444")).one()
    assert sun.seat == "full_time" and sun.is_party_member
    assert session.exec(select(MemberRecord.post).where(
        MemberRecord.user_id == sun.id)).one() == "deputy_secretary"
    token = client.post("/api/v1/auth/token", json={"phone": "13911112222",
                                                    "password": created[0]["password"]})
    assert token.status_code == 200
    # The upload is used up.
    r = client.post(f"/api/v1/roster/import/{body['token']}", headers=auth(secretary),
                    json={"skip_invalid": True})
    assert r.status_code == 404


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_import_from_csv_as_excel_saves_it(client, secretary, session, encoding):
    text = "姓名,手机号,党员\r\n周九,13911115555,是\r\n吴十,13911116666,否\r\n"
    body = _check(client, secretary, text.encode(encoding), "roster.csv").json()
    assert body["valid"] == 2 and body["rows"][0]["values"]["name"] == "周九"
    r = client.post(f"/api/v1/roster/import/{body['token']}", headers=auth(secretary),
                    json={})
    assert r.status_code == 201 and len(r.json()["created"]) == 2


@pytest.mark.parametrize(("content", "name"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "photo.xlsx"),
    (b"PK\x03\x04garbage", "broken.xlsx"),
    (b"name,phone\n", "empty.csv"),
    ("手机号\n13911117777\n".encode(), "no-name.csv"),
    (b"", "nothing.csv"),
])
def test_files_that_are_not_a_roster_are_refused_clearly(client, secretary, content, name):
    client.cookies.set("mr_lang", "en")
    r = _check(client, secretary, content, name)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] and "Traceback" not in r.text


def test_a_preview_belongs_to_the_secretary_who_uploaded_it(client, secretary, factory):
    other = factory.user("Second secretary", secretary=True)
    body = _check(client, secretary, "姓名,手机号\n郑一,13911118888\n".encode(),
                  "r.csv").json()
    r = client.post(f"/api/v1/roster/import/{body['token']}", headers=auth(other), json={})
    assert r.status_code == 403
    assert _check(client, factory.user(), b"x", "r.csv").status_code == 403


def test_import_pages(client, secretary, session):
    token = login(client, secretary)
    client.cookies.set("mr_lang", "zh_CN")
    assert "从表格导入人员" in client.get("/roster/import").text
    template = client.get("/roster/import/template.xlsx")
    header = _sheet(template.content)[0]
    assert header[:2] == ["姓名", "手机号"]
    content = _xlsx([header, ["冯二", "13911119999", "", "", "", "是", "", ""],
                     ["陈三", "139", "", "", "", "否", "", ""]])
    r = client.post("/roster/import", data={"csrf_token": token},
                    files={"file": ("r.xlsx", content)})
    assert r.status_code == 200 and "13911119999" in r.text and "class=\"bad\"" in r.text
    run = re.search(r'action="(/roster/import/[\w-]+)"', r.text).group(1)
    r = client.post(run, data={"csrf_token": token, "mode": "all"})
    assert r.status_code == 409
    r = client.post(run, data={"csrf_token": token, "mode": "skip"})
    assert r.status_code == 200 and "冯二" in r.text
    assert session.exec(select(User).where(User.phone == "13911119999")).one()
    # Without the CSRF token nothing happens.
    r = client.post("/roster/import", files={"file": ("r.xlsx", content)})
    assert r.status_code == 403


def test_units_and_deeds_export(client, secretary, factory, session):
    unit = factory.unit("区第二人民医院党总支")
    unit.contact_phone, unit.higher_org = "0571-88888888", "区卫健委党委"
    session.add(unit)
    session.add(UnitDeed(community_id=unit.community_id, unit_id=unit.id, title="义诊",
                         done_on=date(2026, 5, 1), beneficiaries="老年居民",
                         recorded_by_id=secretary.id))
    session.commit()
    resident = factory.user("居民")
    assert client.get("/api/v1/units.xlsx", headers=auth(resident)).status_code == 403
    rows = _sheet(client.get("/api/v1/units.xlsx", headers=auth(secretary)).content)
    assert rows[1][0] == "区第二人民医院党总支" and "0571-88888888" in rows[1]
    assert "区卫健委党委" in rows[1]
    deeds = _sheet(client.get("/api/v1/deeds.xlsx?year=2026").content)  # public
    assert deeds[1][:3] == ["2026-05-01", "区第二人民医院党总支", "义诊"]
    assert len(_sheet(client.get("/api/v1/deeds.xlsx?year=2025").content)) == 1


def test_export_pages_follow_the_same_rules(client, secretary, factory):
    factory.unit("幸福路派出所党支部")
    assert client.get("/deeds/export.xlsx").status_code == 200  # public
    login(client, factory.user("居民"))
    assert client.get("/units/export.xlsx").status_code == 403  # contacts: R5.6
    assert client.get("/roster/export.xlsx").status_code == 403
    login(client, secretary)
    roster = client.get("/roster").text
    assert 'href="/units/export.xlsx"' in roster and 'href="/roster/export.xlsx"' in roster
    rows = _sheet(client.get("/units/export.xlsx").content)
    assert rows[1][0] == "幸福路派出所党支部"
    assert _sheet(client.get("/roster/export.xlsx").content)[0][0] == "姓名"
