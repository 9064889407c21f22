"""Annual reports with checked attachments, reminder talks, the co-building report (R5.3) and the
board's flags (R5.1–R5.3)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from docx import Document
from sqlmodel import select

from meetingroom.errors import Conflict, Forbidden, Invalid
from meetingroom.models import UnitReport
from meetingroom.units import board, service
from tests.conftest import auth
from tests.units.conftest import fresh

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes(text: str = "2026年度述职报告") -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def zip_without_word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a document")
    return out.getvalue()


def test_attachments_are_checked_by_content():
    assert service.attachment_kind(PDF) == "pdf"
    assert service.attachment_kind(docx_bytes()) == "docx"
    for bad in (b"MZ\x90\x00 an exe", zip_without_word(), b"%PDF-1.4 no trailer", b""):
        with pytest.raises(Invalid):
            service.attachment_kind(bad)


def test_report_api_with_attachment_listed_per_year_missing_flagged(client, cast, session):
    url = f"/api/v1/units/{cast.school.id}/reports"
    word = docx_bytes()
    r = client.post(url, headers=auth(cast.school_member),
                    data={"member_id": str(cast.school_member.id), "year": "2025",
                          "text": "一年来履行兼职委员职责……", "date": "2026-01-08"},
                    files={"attachment": ("述职.docx", word, "application/msword")})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["unit_id"] == cast.school.id and report["date"] == "2026-01-08"
    assert report["attachment_name"] == "述职.docx"
    got = client.get(report["attachment_url"], headers=auth(cast.chair))
    assert got.status_code == 200 and got.content == word
    assert client.get(report["attachment_url"], headers=auth(cast.resident)).status_code == 403
    # once per member and year
    r = client.post(url, headers=auth(cast.school_member),
                    json={"member_id": cast.school_member.id, "year": 2025, "text": "again",
                          "date": "2026-01-09"})
    assert r.status_code == 409
    # the secretary enters one for the clinic's member; the school's member cannot
    clinic_url = f"/api/v1/units/{cast.clinic.id}/reports"
    body = {"member_id": cast.clinic_member.id, "year": 2025, "text": "述职", "date": "2026-01-10"}
    assert client.post(clinic_url, headers=auth(cast.school_member), json=body).status_code == 403
    assert client.post(url, headers=auth(cast.secretary), json=body).status_code == 422
    assert client.post(clinic_url, headers=auth(cast.secretary), json=body).status_code == 201
    # a renamed executable is refused, and nothing is written
    r = client.post(clinic_url, headers=auth(cast.secretary),
                    data={**{k: str(v) for k, v in body.items()}, "year": "2024"},
                    files={"attachment": ("report.pdf", b"MZ\x90\x00", "application/pdf")})
    assert r.status_code == 422
    listed = client.get("/api/v1/reports?year=2025", headers=auth(cast.chair)).json()
    assert listed["total"] == 2 and listed["missing"] == []
    listed = client.get("/api/v1/reports?year=2026", headers=auth(cast.chair)).json()
    assert listed["total"] == 0
    assert {m["member_id"] for m in listed["missing"]} == {cast.school_member.id,
                                                           cast.clinic_member.id}
    assert client.get("/api/v1/reports", headers=auth(cast.resident)).status_code == 403
    fresh(session)
    assert len(session.exec(select(UnitReport)).all()) == 2


def test_report_rules(session, cast):
    with pytest.raises(Conflict):  # the chair hands in no unit report
        service.hand_in_report(session, actor=cast.secretary, member_id=cast.chair.id,
                               year=2025, text_="x", given_on=date(2026, 1, 1))
    with pytest.raises(Invalid):  # a report on 2025 is not given in 2024
        service.hand_in_report(session, actor=cast.secretary, member_id=cast.clinic_member.id,
                               year=2025, text_="x", given_on=date(2024, 12, 1))
    with pytest.raises(Forbidden):
        service.hand_in_report(session, actor=cast.school_member,
                               member_id=cast.clinic_member.id, year=2025, text_="x",
                               given_on=date(2026, 1, 1))


def test_reminder_talks(client, cast):
    url = f"/api/v1/units/{cast.bare.id}/reminders"
    body = {"date": "2026-09-15", "held_by": "higher_org", "who": "书记与书店党支部书记",
            "reason": "上半年未联系", "outcome": "承诺每季度来报到"}
    assert client.post(url, headers=auth(cast.chair), json=body).status_code == 403
    r = client.post(url, headers=auth(cast.secretary), json=body)
    assert r.status_code == 201 and r.json()["held_by"] == "higher_org"
    assert r.json()["unit_id"] == cast.bare.id and r.json()["date"] == "2026-09-15"
    assert client.post(url, headers=auth(cast.secretary),
                       json={**body, "held_by": "police"}).status_code == 422
    assert client.post(url, headers=auth(cast.secretary),
                       json={**body, "reason": ""}).status_code == 422
    listed = client.get(url, headers=auth(cast.full_time)).json()
    assert listed["total"] == 1 and listed["items"][0]["outcome"] == "承诺每季度来报到"
    assert client.get(url, headers=auth(cast.resident)).status_code == 403


def _year_of_activity(session, cast, year: int) -> None:
    """School: contacts both halves, a deed, its member's report. Clinic: a contact in the first
    half only, no deed. Bare: nothing."""
    for day in (date(year, 3, 1), date(year, 8, 1)):
        service.log_contact(session, actor=cast.secretary, unit_id=cast.school.id,
                            direction="visit", held_on=day, who="孙丽")
    service.log_contact(session, actor=cast.secretary, unit_id=cast.clinic.id,
                        direction="report_in", held_on=date(year, 2, 1), who="刘芳",
                        needs=["义诊场地"])
    service.record_deed(session, actor=cast.secretary, unit_id=cast.school.id,
                        title="开放操场", done_on=date(year, 5, 1))
    service.hand_in_report(session, actor=cast.school_member, member_id=cast.school_member.id,
                           year=year, text_="述职", given_on=date(year, 8, 15))
    session.commit()


@pytest.fixture
def past_year() -> int:
    return service.local_today().year - 1


def test_board_flags_in_the_first_half(session, cast, past_year):
    _year_of_activity(session, cast, past_year)
    b = board.unit_board(session, actor=cast.chair, today=date(past_year, 5, 31))
    flags = {f.unit.id: f for f in b.units}
    assert flags[cast.school.id].no_contact is False
    assert flags[cast.clinic.id].no_contact is False
    assert flags[cast.bare.id].no_contact is True
    # deeds and reports are not due yet in the first half
    assert [f.unit.id for f in b.no_deed] == [] and b.reports_missing == 0
    assert [f.unit.id for f in b.reminders_proposed] == [cast.bare.id]
    assert [n.title for n in b.unanswered] == ["义诊场地"] and b.unanswered_total == 1


def test_board_flags_in_the_second_half(session, cast, past_year):
    _year_of_activity(session, cast, past_year)
    b = board.unit_board(session, actor=cast.secretary, today=date(past_year, 9, 30))
    assert b.half_start == date(past_year, 7, 1)
    assert {f.unit.id for f in b.no_contact} == {cast.clinic.id, cast.bare.id}
    assert {f.unit.id for f in b.no_deed} == {cast.clinic.id, cast.bare.id}
    flags = {f.unit.id: f for f in b.units}
    assert flags[cast.clinic.id].reports_missing == [cast.clinic_member]
    assert flags[cast.school.id].reports_missing == []
    assert flags[cast.clinic.id].last_contact == date(past_year, 2, 1)
    # a reminder talk this half year stops the proposal for that unit
    service.record_reminder(session, actor=cast.secretary, unit_id=cast.clinic.id,
                            held_on=date(past_year, 9, 1), who="书记", reason="下半年未联系")
    need = b.unanswered[0]
    service.answer_need(session, actor=cast.chair, need_id=need.id, answer="协调社区活动室")
    session.commit()
    b = board.unit_board(session, actor=cast.secretary, today=date(past_year, 9, 30))
    assert {f.unit.id for f in b.reminders_proposed} == {cast.bare.id}
    assert b.unanswered == []
    with pytest.raises(Forbidden):
        board.unit_board(session, actor=cast.resident)


def test_board_api(client, cast, session):
    today = service.local_today()
    service.log_contact(session, actor=cast.secretary, unit_id=cast.school.id,
                        direction="visit", held_on=today, who="孙丽")
    session.commit()
    r = client.get("/api/v1/units/board", headers=auth(cast.full_time))
    assert r.status_code == 200, r.text
    units = {u["unit_id"]: u for u in r.json()["units"]}
    assert units[cast.school.id]["no_contact_this_half_year"] is False
    assert units[cast.bare.id]["no_contact_this_half_year"] is True
    assert units[cast.bare.id]["propose_reminder"] is True
    assert client.get("/api/v1/units/board", headers=auth(cast.resident)).status_code == 403


def test_cobuilding_report_docx(client, cast, session, past_year):
    _year_of_activity(session, cast, past_year)
    url = (f"/api/v1/units/{cast.school.id}/cobuilding-report"
           f"?start={past_year}-01-01&end={past_year}-12-31")
    r = client.get(url, headers=auth(cast.secretary))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "关于幸福路小学党支部共驻共建工作情况的报告" in text
    assert "联系沟通 2 次" in text and "实事好事 1 件" in text and "述职 1 份" in text
    assert "开放操场" in cells and f"{past_year}-08-01" in cells
    client.cookies.set("mr_lang", "en")
    r = client.get(url, headers=auth(cast.secretary))
    assert "Report on co-building with" in "\n".join(
        p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert client.get(url, headers=auth(cast.resident)).status_code == 403
    bad = f"/api/v1/units/{cast.school.id}/cobuilding-report?start=2026-05-01&end=2026-01-01"
    assert client.get(bad, headers=auth(cast.secretary)).status_code == 422
    bad = f"/api/v1/units/{cast.school.id}/cobuilding-report?start=2010-01-01&end=2026-01-01"
    assert client.get(bad, headers=auth(cast.secretary)).status_code == 422
