"""The resolutions list (filters, pages), one resolution's JSON, the secretary's edits and the CSV
export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from meetingroom.models import AuditLog, Notification, Resolution
from tests.conftest import auth, login
from tests.followup.conftest import fresh, today

CONTRACT_FIELDS = {"id", "title", "text", "item_id", "proposal_id", "suggestion_ids",
                   "responsible", "deadline", "status", "progress", "rating"}


def test_one_resolution_has_the_contract_fields(client, chain):
    m = chain.matter()
    body = client.get(f"/api/v1/resolutions/{m.resolution.id}").json()
    assert set(body) >= CONTRACT_FIELDS
    assert body["suggestion_ids"] == [m.suggestion.id]
    assert body["item_id"] == m.item.id and body["proposal_id"] == m.proposal.id
    assert body["meeting_id"] == m.meeting.id
    assert body["principle"] == "practical"
    assert body["deadline"] == (today() + timedelta(days=60)).isoformat()
    assert body["responsible"] == m.members[1].name
    assert body["rating"] == {
        "party_members": {"count": 0, "average": None,
                          "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}},
        "residents": {"count": 0, "average": None,
                      "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}}
    assert body["ratings"]["state"] == "not_yet"
    assert client.get("/api/v1/resolutions/424242").status_code == 404


def test_the_list_filters_by_status_principle_year_and_overdue(client, chain):
    this_year = today().year
    a = chain.resolution(title="加装电梯", status="done", percent=100, principle="practical")
    b = chain.resolution(title="整治停车", status="in_progress", principle="major",
                         deadline=today() - timedelta(days=2))
    c = chain.resolution(title="去年的决议", status="done", principle="practical",
                         created_at=datetime(this_year - 1, 6, 1, tzinfo=UTC))

    def ids(**params):
        res = client.get("/api/v1/resolutions", params=params)
        assert res.status_code == 200, res.text
        return [item["id"] for item in res.json()["items"]], res.json()["total"]

    assert ids() == ([c.id, b.id, a.id], 3)  # newest first
    assert ids(status="done") == ([c.id, a.id], 2)
    assert ids(principle="major") == ([b.id], 1)
    assert ids(year=this_year) == ([b.id, a.id], 2)
    assert ids(year=this_year - 1) == ([c.id], 1)
    assert ids(overdue="true") == ([b.id], 1)
    assert ids(overdue="false") == ([c.id, a.id], 2)
    assert ids(status="done", principle="practical", year=this_year) == ([a.id], 1)
    listed = client.get("/api/v1/resolutions", params={"status": "in_progress"}).json()
    assert listed["items"][0]["overdue"] is True


def test_the_list_is_paginated(client, chain):
    made = [chain.resolution(title=f"决议{i}") for i in range(5)]
    page = client.get("/api/v1/resolutions", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 5
    assert [i["id"] for i in page["items"]] == [made[2].id, made[1].id]
    assert client.get("/api/v1/resolutions", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/resolutions", params={"limit": 101}).status_code == 422


def test_bad_filters_are_refused(client, chain):
    assert client.get("/api/v1/resolutions", params={"status": "finished"}).status_code == 422
    assert client.get("/api/v1/resolutions", params={"principle": "big"}).status_code == 422
    assert client.get("/api/v1/resolutions", params={"year": "1999"}).status_code == 422
    assert client.get("/resolutions", params={"status": "finished"}).status_code == 422


def test_the_list_page_shows_filters_bars_and_the_export_link(client, chain, factory):
    chain.resolution(title="加装电梯", status="in_progress", percent=35,
                     deadline=today() - timedelta(days=1))
    page = client.get("/resolutions", params={"status": "in_progress"})
    assert page.status_code == 200
    assert "加装电梯" in page.text
    assert 'aria-valuenow="35"' in page.text and "width: 35%" in page.text
    assert "逾期 1 天" in page.text
    assert '<option value="in_progress" selected>' in page.text
    # The export is a staff action: residents never see its button (issue 13), the secretary does.
    assert "/resolutions.csv" not in page.text
    login(client, factory.secretary())
    page = client.get("/resolutions", params={"status": "in_progress"})
    assert 'href="/resolutions.csv?status=in_progress"' in page.text


def test_the_secretary_edits_a_resolution(client, session, chain, factory):
    m = chain.matter()
    secretary = factory.secretary()
    new_owner = m.members[4]
    res = client.patch(f"/api/v1/resolutions/{m.resolution.id}",
                       json={"text": "改为年底前完成", "responsible_user_id": new_owner.id,
                             "deadline": "2031-12-31"},
                       headers=auth(secretary))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["text"] == "改为年底前完成" and body["deadline"] == "2031-12-31"
    # The shown name followed the member, since nobody typed another.
    assert body["responsible"] == new_owner.name
    assert body["responsible_user_id"] == new_owner.id
    assert session.exec(select(Notification).where(Notification.user_id == new_owner.id)).one()
    assert session.exec(select(AuditLog).where(AuditLog.action == "resolution.update")).one()

    # A unit's name, then clearing the member and the deadline.
    res = client.patch(f"/api/v1/resolutions/{m.resolution.id}",
                       json={"responsible": "安居物业公司", "responsible_user_id": None,
                             "deadline": None}, headers=auth(secretary))
    body = res.json()
    assert (body["responsible"], body["responsible_user_id"], body["deadline"]) == (
        "安居物业公司", None, None)
    assert body["text"] == "改为年底前完成"  # fields not sent stay


def test_only_the_secretary_edits_and_bad_values_are_refused(client, session, chain, factory):
    m = chain.matter()
    url = f"/api/v1/resolutions/{m.resolution.id}"
    assert client.patch(url, json={"text": "x"}).status_code == 401
    assert client.patch(url, json={"text": "x"}, headers=auth(m.members[0])).status_code == 403
    secretary = factory.secretary()
    assert client.patch(url, json={"deadline": "31/12/2031"},
                        headers=auth(secretary)).status_code == 422
    assert client.patch(url, json={"responsible_user_id": 99999},
                        headers=auth(secretary)).status_code == 422
    assert client.patch(url, json={"responsible": "长" * 101},
                        headers=auth(secretary)).status_code == 422
    fresh(session)
    r = session.get(Resolution, m.resolution.id)
    assert r.text == "年内完成电梯加装。" and r.responsible_user_id == m.members[1].id


def test_a_new_deadline_moves_when_ratings_open(client, session, chain, factory):
    r = chain.resolution(status="in_progress", deadline=today() - timedelta(days=1))
    assert client.get(f"/api/v1/resolutions/{r.id}").json()["ratings"]["state"] == "open"
    later = (today() + timedelta(days=10)).isoformat()
    client.patch(f"/api/v1/resolutions/{r.id}", json={"deadline": later},
                 headers=auth(factory.secretary()))
    assert client.get(f"/api/v1/resolutions/{r.id}").json()["ratings"]["state"] == "not_yet"


def test_the_edit_page(client, session, chain, factory):
    m = chain.matter()
    token = login(client, factory.secretary())
    assert client.get(f"/resolutions/{m.resolution.id}/edit").status_code == 200
    res = client.post(f"/resolutions/{m.resolution.id}/edit",
                      data={"text": "新的内容", "responsible": "", "responsible_user_id": "",
                            "deadline": "不是日期", "csrf_token": token})
    assert res.status_code == 422 and "YYYY-MM-DD" in res.text and "新的内容" in res.text
    res = client.post(f"/resolutions/{m.resolution.id}/edit",
                      data={"text": "新的内容", "responsible": "供电所",
                            "responsible_user_id": "", "deadline": "2031-01-31",
                            "csrf_token": token}, follow_redirects=False)
    assert res.status_code == 303
    fresh(session)
    r = session.get(Resolution, m.resolution.id)
    assert (r.text, r.responsible, r.deadline.isoformat()) == ("新的内容", "供电所", "2031-01-31")
    login(client, factory.user())
    assert client.get(f"/resolutions/{m.resolution.id}/edit").status_code == 403


# --- CSV -----------------------------------------------------------------------------------------

def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_export_has_the_right_rows(client, chain, factory):
    done = chain.done(title="加装电梯", principle="practical",
                      deadline=today() - timedelta(days=5))
    late = chain.resolution(title="整治停车", status="in_progress", percent=40,
                            principle="major", deadline=today() - timedelta(days=2),
                            responsible="安居物业公司")
    chain.rating(done, factory.user(party_member=True), 5)
    chain.rating(done, factory.user(party_member=True), 4)
    chain.rating(done, factory.user(), 2)
    rows = read_csv(client.get("/resolutions.csv"))
    header, body = rows[0], rows[1:]
    assert header[:9] == ["编号", "标题", "议事原则", "通过日期", "责任人", "完成期限", "状态",
                          "完成进度", "逾期"]
    assert len(body) == 2
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in body}
    assert by_id[late.id]["标题"] == "整治停车"
    assert by_id[late.id]["议事原则"] == "大事共议"
    assert by_id[late.id]["状态"] == "进行中"
    assert by_id[late.id]["完成进度"] == "40"
    assert by_id[late.id]["逾期"] == "是"
    assert by_id[late.id]["责任人"] == "安居物业公司"
    assert by_id[done.id]["逾期"] == "否"
    assert by_id[done.id]["党员评议人数"] == "2" and by_id[done.id]["党员平均分"] == "4.50"
    assert by_id[done.id]["居民评议人数"] == "1" and by_id[done.id]["居民平均分"] == "2.00"
    assert by_id[done.id]["链接"].endswith(f"/resolutions/{done.id}")


def test_the_csv_export_follows_the_filters_and_many_rows(client, chain):
    for i in range(7):
        chain.resolution(title=f"决议{i}", status="done" if i % 2 else "not_started")
    rows = read_csv(client.get("/resolutions.csv", params={"status": "done"}))
    assert [r[1] for r in rows[1:]] == ["决议5", "决议3", "决议1"]
    from meetingroom.followup import service

    # Batches smaller than the rows: every row exactly once.
    original = service.iter_resolutions

    def small_batches(*a, **kw):
        return original(*a, **{**kw, "batch": 2})

    service.iter_resolutions = small_batches
    try:
        rows = read_csv(client.get("/resolutions.csv"))
    finally:
        service.iter_resolutions = original
    assert sorted(r[1] for r in rows[1:]) == [f"决议{i}" for i in range(7)]


def test_the_csv_export_neutralises_formulas(client, chain):
    chain.resolution(title="=HYPERLINK(\"http://evil\")", responsible="+86 物业")
    row = read_csv(client.get("/resolutions.csv"))[1]
    assert row[1] == "'=HYPERLINK(\"http://evil\")"
    assert row[4] == "'+86 物业"


def test_the_csv_headers_follow_the_language(client, chain):
    chain.resolution(title="加装电梯")
    client.cookies.set("mr_lang", "en")
    rows = read_csv(client.get("/resolutions.csv"))
    assert rows[0][:3] == ["Resolution ID", "Title", "Principle"]
    assert rows[1][2] == "Practical matters done together"
