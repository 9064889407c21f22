"""Meeting pages through HTTP like a person: plain forms without JavaScript, and the small
fragments htmx gets back."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from meetingroom.models import Ballot, Meeting
from tests.conftest import login

HX = {"HX-Request": "true"}


def _scheduled(meet, make_proposal, n=1, kind="work"):
    meet.schedule([make_proposal(f"Item {i}") for i in range(n)], kind=kind)
    return meet


def _ballot_box(html: str) -> str:
    """The ballot box's section of a page."""
    start = html.index('<section id="v-ballot"')
    return html[start:html.index("</section>", start)]


def _form(client, path: str, csrf: str, **data):
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_members_see_upcoming_meetings_and_the_secretary_can_schedule(client, meet,
                                                                      make_proposal, committee,
                                                                      secretary):
    _scheduled(meet, make_proposal)
    login(client, committee[0])
    html = client.get("/meetings").text
    assert "即将召开" in html and "Monthly meeting" in html
    assert "/meetings/new" not in html
    login(client, secretary)
    assert 'href="/meetings/new"' in client.get("/meetings").text


def test_the_secretary_schedules_a_meeting_through_the_form(client, make_proposal, secretary,
                                                            session, committee):
    p = make_proposal("Lift for block 3")
    csrf = login(client, secretary)
    form = client.get("/meetings/new").text
    assert "Lift for block 3" in form
    r = _form(client, "/meetings", csrf, kind="joint", title="", starts_at="2026-12-03T19:00",
              proposal_ids=str(p.id))
    assert r.status_code == 422 and "请填写会议名称" in r.text
    assert 'value="2026-12-03T19:00"' in r.text  # what was typed stays
    r = _form(client, "/meetings", csrf, kind="joint", title="十二月联席会议",
              starts_at="2026-12-03T19:00", location="社区活动室", proposal_ids=str(p.id))
    assert r.status_code == 303
    meeting = session.exec(select(Meeting)).one()
    assert r.headers["location"] == f"/meetings/{meeting.id}"
    starts = meeting.starts_at.replace(tzinfo=meeting.starts_at.tzinfo or UTC)
    assert starts == datetime(2026, 12, 3, 11, tzinfo=UTC)  # 19:00 Beijing time
    detail = client.get(r.headers["location"]).text
    assert "十二月联席会议" in detail and "Lift for block 3" in detail
    assert "2026年12月3日 19:00" in detail
    login(client, committee[0])
    assert client.get("/meetings/new").status_code == 403


def test_the_agenda_is_edited_with_forms_while_scheduled(client, meet, make_proposal, secretary):
    _scheduled(meet, make_proposal, n=2)
    extra = make_proposal("Extra")
    csrf = login(client, secretary)
    detail = client.get(f"/meetings/{meet.id}").text
    assert f'action="/meetings/{meet.id}/agenda/{meet.items[1]}/move"' in detail
    r = _form(client, f"/meetings/{meet.id}/agenda/{meet.items[1]}/move", csrf, offset="-1")
    assert r.status_code == 303
    assert [a["title"] for a in meet.get()["agenda"]] == ["Item 1", "Item 0"]
    _form(client, f"/meetings/{meet.id}/agenda", csrf, proposal_id=str(extra.id))
    _form(client, f"/meetings/{meet.id}/agenda/{meet.items[0]}/remove", csrf)
    assert [a["title"] for a in meet.get()["agenda"]] == ["Item 1", "Extra"]


def test_the_console_runs_a_meeting_without_javascript(client, meet, make_proposal, secretary,
                                                       committee, session):
    _scheduled(meet, make_proposal)
    csrf = login(client, secretary)
    console = client.get(f"/meetings/{meet.id}/console")
    assert console.status_code == 200
    assert f'href="/meetings/{meet.id}/projector" target="_blank"' in console.text
    r = _form(client, f"/meetings/{meet.id}/open", csrf)
    assert r.status_code == 409
    assert "工作会议未达法定人数" in r.text and "R7.1" in r.text
    for member in committee[:6]:
        r = _form(client, f"/meetings/{meet.id}/attendance", csrf, user_id=str(member.id))
        assert r.status_code == 303
    # The meeting is days away and a secret ballot cannot be undone: each asks first
    # (tests/meetings/test_console_confirm.py); confirm=1 is the confirmation page's answer.
    r = _form(client, f"/meetings/{meet.id}/open", csrf, confirm="1")
    assert r.status_code == 303 and client.get(r.headers["location"]).status_code == 200
    item = meet.items[0]
    r = _form(client, f"/meetings/{meet.id}/items/{item}/vote/open", csrf, secret="1",
              confirm="1")
    assert r.status_code == 303 and meet.tally()["secret"] is True
    page = client.get(f"/meetings/{meet.id}/console").text
    assert "无记名投票：还有 6 名到会委员未投票" in page
    r = _form(client, f"/meetings/{meet.id}/close", csrf)
    assert r.status_code == 409 and "请先结束表决" in r.text
    r = _form(client, f"/meetings/{meet.id}/items/{item}/vote/close", csrf)
    assert r.status_code == 303
    r = _form(client, f"/meetings/{meet.id}/attendance/leave", csrf, user_id=str(committee[0].id))
    assert r.status_code == 303 and meet.get()["present"] == 5


def test_console_forms_sent_by_htmx_get_a_message_back(client, meet, make_proposal, secretary,
                                                       committee):
    _scheduled(meet, make_proposal)
    csrf = login(client, secretary)
    r = client.post(f"/meetings/{meet.id}/open", headers={**HX, "X-CSRF-Token": csrf})
    assert r.status_code == 409
    assert r.text.strip().startswith('<p class="err"') and "R7.1" in r.text
    r = client.post(f"/meetings/{meet.id}/attendance", data={"user_id": str(committee[0].id)},
                    headers={**HX, "X-CSRF-Token": csrf})
    assert r.status_code == 200 and "已签到" in r.text and "<html" not in r.text


def test_console_is_only_for_the_secretary_and_forms_need_their_token(client, meet,
                                                                     make_proposal, committee,
                                                                     secretary):
    _scheduled(meet, make_proposal)
    login(client, committee[0])
    assert client.get(f"/meetings/{meet.id}/console").status_code == 403
    login(client, secretary)
    r = client.post(f"/meetings/{meet.id}/attendance", data={"user_id": str(committee[0].id)})
    assert r.status_code == 403
    assert meet.get()["present"] == 0


def test_a_member_votes_in_two_taps_on_the_phone_page(client, meet, make_proposal, committee,
                                                      session):
    _scheduled(meet, make_proposal)
    meet.check_in(*committee[:6])
    meet.open()
    member = committee[0]
    csrf = login(client, member)
    assert "等待秘书开启表决" in client.get(f"/meetings/{meet.id}/vote").text
    meet.open_vote()
    page = client.get(f"/meetings/{meet.id}/vote").text
    assert page.count('name="choice"') == 3 and "投票后不可更改" in page
    url = f"/meetings/{meet.id}/items/{meet.items[0]}/ballot"
    r = _form(client, url, csrf, choice="agree")  # first tap: only asks
    assert r.status_code == 200 and 'name="confirm" value="1"' in r.text
    panel = _ballot_box(r.text)
    assert re.search(r'class="v-chosen-word">同意<', panel)  # the chosen word, large
    assert ">确认投票</button>" in panel and ">返回重选</a>" in panel
    assert 'name="csrf_token"' in panel  # the no-JS second step keeps its token
    assert session.exec(select(Ballot)).all() == []
    r = _form(client, url, csrf, choice="agree", confirm="1")  # second tap: cast
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "您已投票：同意" in page
    assert 'name="choice"' not in page
    r = _form(client, url, csrf, choice="oppose", confirm="1")
    assert r.status_code == 409 and "投票后不可更改" in r.text


def test_the_ballot_box_answers_htmx_with_itself(client, meet, make_proposal, committee):
    _scheduled(meet, make_proposal)
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote(secret=True)
    csrf = login(client, committee[1])
    url = f"/meetings/{meet.id}/items/{meet.items[0]}/ballot"
    h = {**HX, "X-CSRF-Token": csrf}
    r = client.post(url, data={"choice": "oppose"}, headers=h)
    assert r.text.lstrip().startswith('<section id="v-ballot"') and "确认投票" in r.text
    r = client.post(url, data={"choice": "oppose", "confirm": "1"}, headers=h)
    # A secret ballot: the reply says only "voted", never the choice (issue 9 §2, R7.6).
    assert r.status_code == 200 and "已投票" in r.text and "反对" not in r.text
    back = client.get(f"/meetings/{meet.id}/vote", headers=HX).text
    assert "已投票" in back and "反对" not in back  # a secret choice is not stored
    assert meet.tally()["cast"] == 1


def test_a_member_not_checked_in_is_asked_to_check_in(client, meet, make_proposal, committee):
    _scheduled(meet, make_proposal)
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote()
    csrf = login(client, committee[8])
    page = client.get(f"/meetings/{meet.id}/vote").text
    assert "请先签到" in page and f'action="/meetings/{meet.id}/checkin"' in page
    r = _form(client, f"/meetings/{meet.id}/checkin", csrf)
    assert r.status_code == 303
    assert client.get(r.headers["location"]).text.count('name="choice"') == 3


def test_the_check_in_page_behind_the_qr_code(client, meet, make_proposal, committee, factory):
    _scheduled(meet, make_proposal)
    r = client.get(f"/meetings/{meet.id}/checkin", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=/meetings/{meet.id}/checkin"
    csrf = login(client, committee[2])
    page = client.get(f"/meetings/{meet.id}/checkin").text
    assert re.search(r'<button class="button primary block huge" type="submit">签到</button>',
                     page)
    r = _form(client, f"/meetings/{meet.id}/checkin", csrf)
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meet.id}/vote"
    assert "您已签到" in client.get(f"/meetings/{meet.id}/checkin").text
    assert meet.get()["present"] == 1
    csrf = login(client, factory.user("Resident"))
    r = _form(client, f"/meetings/{meet.id}/checkin", csrf)
    assert r.status_code == 403 and "只有在任委员签到" in r.text


def test_the_projector_is_public_and_has_no_controls(client, meet, make_proposal, committee):
    _scheduled(meet, make_proposal)
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote()
    page = client.get(f"/meetings/{meet.id}/projector").text
    proj = page[page.index('<div class="proj live"'):]
    assert f'hx-ws:connect="/meetings/{meet.id}/live.html?view=projector"' in proj
    assert f'<img src="/meetings/{meet.id}/checkin-qr.svg"' in proj
    assert "<form" not in proj and "<button" not in proj and "<input" not in proj
    assert "表决中" in proj and "通过需同意 ≥ 3 票" in proj and "议题 1/1" in proj
    assert 'class="projector"' in page
    assert "<script>" not in page  # the CSP forbids inline scripts


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_english_meeting_pages_have_no_chinese_interface_text(client, meet, make_proposal,
                                                              committee, secretary):
    _scheduled(meet, make_proposal)
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote()
    login(client, secretary)
    client.cookies.set("mr_lang", "en")
    for path in ("/meetings", f"/meetings/{meet.id}", f"/meetings/{meet.id}/projector",
                 f"/meetings/{meet.id}/console", "/meetings/new"):
        html = client.get(path).text
        text = re.sub(r"<[^>]+>", " ", html).replace("幸福社区", "")
        text = text.replace("切换到中文", "").replace("中文", "")
        assert not CJK.search(text), (path, CJK.findall(text)[:10])


def test_a_closed_meeting_links_to_its_minutes(client, meet, make_proposal, committee):
    _scheduled(meet, make_proposal)
    meet.check_in(*committee[:6])
    meet.open()
    assert f"/meetings/{meet.id}/minutes" not in client.get(f"/meetings/{meet.id}").text
    meet.close()
    page = client.get(f"/meetings/{meet.id}").text
    assert f'href="/meetings/{meet.id}/minutes"' in page
    assert f'href="/meetings/{meet.id}/minutes.docx"' in page
    assert client.get(f"/meetings/{meet.id}/minutes").status_code == 200
