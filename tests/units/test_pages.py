"""Member unit pages: the public unit and deed pages with the thank-you, the secretary's console
forms, the board, the co-building lists and the reports of a year."""

from __future__ import annotations

import io
import re
from datetime import date

from docx import Document
from PIL import Image
from sqlmodel import select

from meetingroom.models import DeedThanks, MemberUnit, UnitContact, UnitDeed, UnitNeed, UnitReport
from meetingroom.units import service
from tests.conftest import csrf_of, login
from tests.units.conftest import fresh


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (50, 40), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def last_year() -> int:
    return service.local_today().year - 1


def test_public_unit_page_lists_deeds_per_year_and_hides_contacts(client, cast, session):
    year = last_year()
    service.record_deed(session, actor=cast.secretary, unit_id=cast.school.id, title="开放操场",
                        done_on=date(year, 5, 1), beneficiaries="社区儿童")
    service.record_deed(session, actor=cast.secretary, unit_id=cast.school.id, title="旧年捐书",
                        done_on=date(year - 1, 4, 1))
    session.commit()
    html = client.get(f"/units/{cast.school.id}?year={year}").text
    assert "开放操场" in html and "社区儿童" in html and "旧年捐书" not in html
    assert "13911112222" not in html and "王老师" not in html  # R5.6
    assert "登录后点赞" in html
    listing = client.get("/units").text
    assert "幸福路小学党支部" in listing and "13911112222" not in listing
    assert f'href="/units/{cast.school.id}/console"' not in listing
    deeds = client.get(f"/deeds?year={year}").text
    assert "开放操场" in deeds and "幸福路小学党支部" in deeds
    client.cookies.set("mr_lang", "en")
    en = client.get(f"/units/{cast.school.id}?year={year}").text
    assert f"Good deeds in {year}" in en and "Log in to say thank you" in en
    text = re.sub(r"<[^>]+>", " ", client.get("/units").text)
    for data in ("幸福社区", "切换到中文", "幸福路小学党支部", "社区医院党支部", "新华书店党支部",
                 "张伟", "刘芳", "中文"):
        text = text.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", text)


def test_resident_thanks_a_deed_once_through_the_page(client, cast, session):
    deed = service.record_deed(session, actor=cast.secretary, unit_id=cast.clinic.id,
                               title="义诊", done_on=date(last_year(), 10, 9))
    session.commit()
    login(client, cast.resident)
    page_url = f"/units/{cast.clinic.id}?year={last_year()}"
    token = csrf_of(client, page_url)
    r = client.post(f"/deeds/{deed.id}/thanks", data={"csrf_token": token},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and "已点赞" in r.text and "1 个赞" in r.text
    r = client.post(f"/deeds/{deed.id}/thanks", data={"csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "已点赞" in client.get(page_url).text
    r = client.post(f"/deeds/{deed.id}/thanks", data={})  # no CSRF token
    assert r.status_code == 403
    fresh(session)
    assert len(session.exec(select(DeedThanks)).all()) == 1


def test_console_is_for_the_secretary_and_members_and_shows_contacts(client, cast):
    login(client, cast.resident)
    assert client.get(f"/units/{cast.school.id}/console").status_code == 403
    assert client.get("/units/board").status_code == 403
    assert client.get("/co-building").status_code == 403
    login(client, cast.chair)
    html = client.get(f"/units/{cast.school.id}/console").text
    assert "13911112222" in html and "登记联系" in html
    assert "编辑单位信息" not in html  # profile edits are the secretary's


def test_secretary_runs_a_unit_through_the_console(client, cast, session):
    login(client, cast.secretary)
    console = f"/units/{cast.school.id}/console"
    token = csrf_of(client, console)
    r = client.post(f"/units/{cast.school.id}/profile", data={
        "csrf_token": token, "name": "幸福路小学党支部", "kind": "school",
        "party_org": "幸福路小学党支部", "higher_org": "区教育局党委", "address": "幸福路1号",
        "party_head": "周校长", "contact_name": "王老师", "contact_phone": "13911112222",
        "reported_on": ""}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/units/{cast.school.id}/contacts", data={
        "csrf_token": token, "direction": "report_in", "date": "2026-03-02", "who": "周校长",
        "note": "报到", "needs": "周末操场需要志愿者\n放学护学岗"}, follow_redirects=False)
    assert r.status_code == 303
    # bad input: the console comes back with the message and what was typed
    r = client.post(f"/units/{cast.school.id}/contacts", data={
        "csrf_token": token, "direction": "visit", "date": "2026-02-31", "who": "周校长"})
    assert r.status_code == 422 and "周校长" in r.text and "YYYY-MM-DD" in r.text
    r = client.post(f"/units/{cast.school.id}/deeds", data={
        "csrf_token": token, "title": "开放操场", "date": "2026-05-01", "beneficiaries": "儿童"},
        files={"photos": ("p.png", png(), "image/png")}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/units/{cast.school.id}/deeds", data={
        "csrf_token": token, "title": "坏照片", "date": "2026-05-01"},
        files={"photos": ("p.png", b"GIF89a nonsense", "image/png")})
    assert r.status_code == 422 and "坏照片" in r.text
    r = client.post(f"/units/{cast.school.id}/reports", data={
        "csrf_token": token, "member_id": str(cast.school_member.id), "year": "2025",
        "date": "2026-01-05", "text": "述职正文"},
        files={"attachment": ("r.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/units/{cast.school.id}/reminders", data={
        "csrf_token": token, "date": "2026-09-01", "held_by": "committee", "who": "周校长",
        "reason": "下半年未联系", "outcome": ""}, follow_redirects=False)
    assert r.status_code == 303
    html = client.get(console).text
    for shown in ("区教育局党委", "2026-03-02", "开放操场", "述职", "下半年未联系", "r.pdf"):
        assert shown in html, shown
    r = client.get(f"/units/{cast.school.id}/cobuilding-report.docx?start=2026-01-01"
                   f"&end=2026-12-31")
    assert r.status_code == 200
    assert "区教育局党委" in "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    fresh(session)
    unit = session.get(MemberUnit, cast.school.id)
    assert (unit.higher_org, unit.reported_on) == ("区教育局党委", date(2026, 3, 2))
    assert len(session.exec(select(UnitContact)).all()) == 1
    assert len(session.exec(select(UnitNeed)).all()) == 2
    assert [d.title for d in session.exec(select(UnitDeed)).all()] == ["开放操场"]
    assert len(session.exec(select(UnitReport)).all()) == 1


def test_co_building_lists_page_from_need_to_deed(client, cast, session):
    login(client, cast.secretary)
    token = csrf_of(client, "/co-building")
    r = client.post("/co-building/needs", data={"csrf_token": token, "title": "暑期托管",
                                                "source": "committee"}, follow_redirects=False)
    assert r.status_code == 303
    need = session.exec(select(UnitNeed)).one()
    r = client.post("/co-building/needs", data={"csrf_token": token, "title": "",
                                                "source": "committee"})
    assert r.status_code == 422 and "此项为必填项。" in r.text
    r = client.post("/co-building/projects", data={
        "csrf_token": token, "title": "暑期托管班", "need_id": str(need.id),
        "unit_ids": [str(cast.school.id)], "date": "2026-07-01"}, follow_redirects=False)
    assert r.status_code == 303
    html = client.get("/co-building").text
    assert "暑期托管班" in html and "已纳入项目" in html
    pid = int(re.search(r'id="project-(\d+)"', html).group(1))
    r = client.post(f"/co-building/projects/{pid}/status",
                    data={"csrf_token": token, "status": "done"}, follow_redirects=False)
    assert r.status_code == 303
    fresh(session)
    assert [d.unit_id for d in session.exec(select(UnitDeed)).all()] == [cast.school.id]
    r = client.post(f"/co-building/projects/{pid}/status",
                    data={"csrf_token": token, "status": "done"})
    assert r.status_code == 409 and "这个项目已经完成" in r.text


def test_board_page_flags_units(client, cast, session):
    service.log_contact(session, actor=cast.secretary, unit_id=cast.school.id,
                        direction="visit", held_on=service.local_today(), who="孙丽",
                        needs=["义诊场地"])
    session.commit()
    login(client, cast.full_time)
    html = client.get("/units/board").text
    assert "义诊场地" in html and "本半年未联系" in html
    assert html.count('class="short"') >= 2  # the clinic and the bookshop
    login(client, cast.secretary)
    html = client.get(f"/units/reports?year={service.local_today().year}").text
    assert "张伟" in html and "刘芳" in html  # both reports missing


def test_committee_dashboard_shows_the_units_flags(client, cast, session):
    service.log_contact(session, actor=cast.secretary, unit_id=cast.school.id,
                        direction="visit", held_on=service.local_today(), who="孙丽",
                        needs=["义诊场地"])
    session.commit()
    login(client, cast.chair)
    html = client.get("/dashboard").text
    card = html[html.index('id="units"'):]
    flagged = re.sub(r"<[^>]+>", "", card.split("本半年未联系：")[1].split("</p>")[0]).strip()
    assert flagged == "新华书店党支部、社区医院党支部"  # the school had a visit today
    assert "有 1 项需求尚未答复。" in card
