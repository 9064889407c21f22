"""A live meeting in real Chromium: the secretary schedules and runs it from the console, members
check in and vote on phone-sized pages, and a projector-sized page follows every change without
reloading — also across a server restart."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from meetingroom.models import Proposal, User
from tests.browser.conftest import DEMO, PHONE, PROJECTOR, login, no_horizontal_scroll, screenshot

LAPTOP = {"width": 1366, "height": 860}
MEMBERS = ["13800000001", "13800000002", "13800000003", "13800000004"]  # on their phones
MARKED = ["13800000005", "13800000006", "13800000007"]  # checked in by the secretary


def _proposals(server) -> None:
    """Step 2 lives on another branch: put two proposals straight into the server's database."""
    engine = create_engine(f"sqlite:///{server.env['MEETINGROOM_DATA_DIR']}/meetingroom.db")
    with Session(engine) as s:
        chair = s.exec(select(User).where(User.phone == DEMO["chair"])).one()
        s.add(Proposal(community_id=chair.community_id, sponsor_id=chair.id,
                       title="为3号楼加装电梯", body="居民多次建议。", principle="practical",
                       draft_resolution="由物业公司牵头，年内完成3号楼电梯加装。",
                       created_at=datetime.now(UTC)))
        s.add(Proposal(community_id=chair.community_id, sponsor_id=chair.id,
                       title="增设垃圾分类投放点", body="现有投放点不够。", principle="major"))
        s.commit()
    engine.dispose()


def _num(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


def test_members_vote_on_phones_while_the_projector_follows_live(live_server, new_page):
    url = live_server.url
    _proposals(live_server)

    # The secretary schedules the meeting through the form.
    sec = new_page(LAPTOP)
    login(sec, url, DEMO["secretary"])
    sec.goto(f"{url}/meetings/new")
    sec.fill("#f-title", "十二月工作会议")
    sec.fill("#f-starts_at", "2026-12-03T19:00")
    sec.fill("#f-location", "社区党群服务中心")
    sec.check("input[name=proposal_ids] >> nth=0")
    sec.check("input[name=proposal_ids] >> nth=1")
    sec.click("form[action='/meetings'] button[type=submit]")
    sec.wait_for_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(sec.url.rsplit("/", 1)[1])
    sec.click(f"a[href='/meetings/{meeting_id}/console']")
    sec.wait_for_url(f"{url}/meetings/{meeting_id}/console")

    # The projector: public, no login, never reloaded during the meeting.
    proj = new_page(PROJECTOR)
    proj.goto(f"{url}/meetings/{meeting_id}/projector")
    proj.evaluate("window.__sameDocument = 'yes'")
    expect(proj.locator("#p-present-num")).to_have_text("0")
    expect(proj.locator(".p-present .of")).to_have_text("/ 10")
    expect(proj.locator(".p-wait")).to_contain_text("会议尚未开始")
    expect(proj.locator(".p-qr img")).to_have_attribute(
        "src", f"/meetings/{meeting_id}/checkin-qr.svg")
    screenshot(proj, "projector-1-waiting")

    # Four members check in from the QR code's page; three are marked by the secretary.
    phones = []
    for n, phone in enumerate(MEMBERS, start=1):
        page = new_page(PHONE)
        page.goto(f"{url}/meetings/{meeting_id}/checkin")  # login required: the form asks
        page.fill("#f-phone", phone)
        page.fill("#f-password", "demo-pass-2026")
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{url}/meetings/{meeting_id}/checkin")
        page.click("button.huge")
        page.wait_for_url(f"{url}/meetings/{meeting_id}/vote")
        expect(page.locator("#v-item")).to_contain_text("会议尚未开始")
        expect(proj.locator("#p-present-num")).to_have_text(str(n))
        phones.append(page)
    for n, phone in enumerate(MARKED, start=len(MEMBERS) + 1):
        row = sec.locator("#c-side ul.attendance > li").nth(int(phone[-2:]) - 1)
        row.locator("button:has-text('签到')").click()
        expect(proj.locator("#p-present-num")).to_have_text(str(n))
    expect(proj.locator(".p-head .quorum")).to_contain_text("已达法定人数")
    expect(sec.locator("#c-side .count")).to_have_text("7 / 10")

    # The secretary opens the meeting and the first vote; the phones change by themselves.
    # The meeting is scheduled days from now: the console asks first (issue 9 §3).
    asked: list[str] = []
    sec.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    sec.click("#c-top button:has-text('开始会议')")
    expect(sec.locator("#c-msg")).to_contain_text("会议已开始")
    assert "相差超过一小时" in asked[-1]
    expect(phones[0].locator("#v-item")).to_contain_text("等待秘书开启表决")
    sec.locator("#c-agenda li").first.locator("button:has-text('开启表决')").click()
    for page in phones:
        expect(page.locator("#v-ballot button.vote")).to_have_count(3)
    expect(proj.locator(".p-item .state")).to_have_text("表决中")
    expect(proj.locator(".p-pos")).to_contain_text("议题 1/2")
    expect(proj.locator(".p-needed-line")).to_have_text("通过需同意 ≥ 4 票")
    expect(proj.locator(".p-notvoted")).to_have_text("未投 7")
    assert no_horizontal_scroll(phones[0])
    screenshot(phones[0], "phone-1-buttons")

    # Each member taps, confirms, and sees his vote; the projector's numbers move.
    for n, page in enumerate(phones, start=1):
        page.click("#v-ballot button.vote.agree")
        expect(page.locator("#v-ballot .v-chosen-word")).to_have_text("同意")
        expect(page.locator("#v-ballot button.confirm")).to_have_text("确认投票")
        if n == 1:
            screenshot(page, "phone-2-confirm")
        page.click("#v-ballot button.confirm")
        expect(page.locator("#v-ballot")).to_contain_text("您已投票：同意")
        expect(proj.locator(".tally-row.agree .tally-num")).to_have_text(str(n))
        expect(proj.locator(".p-notvoted")).to_have_text(f"未投 {7 - n}")
    expect(phones[0].locator("#v-item .tally-row.agree .tally-num")).to_have_text("4")
    expect(sec.locator(".c-notvoted")).to_contain_text("陈军")  # 13800000005 has not voted
    # The bar's length is the share of the members present (4 of 7), reached by animation.
    proj.wait_for_function("""() => {
        const fill = document.querySelector('#p-fill-agree');
        const share = fill.getBoundingClientRect().width
            / fill.parentElement.getBoundingClientRect().width;
        return share > 0.56 && share < 0.58; }""")
    screenshot(proj, "projector-2-voting")
    screenshot(phones[0], "phone-3-voted")

    sec.locator("#c-current button:has-text('结束表决')").click()
    expect(proj.locator(".p-item .state")).to_have_text("通过")
    expect(phones[1].locator("#v-item")).to_contain_text("等待秘书开启下一项表决")
    expect(phones[1].locator("#v-ballot button")).to_have_count(0)
    screenshot(proj, "projector-3-adopted")
    screenshot(sec, "console-1")

    # The server restarts mid-meeting: the screens say so, reconnect and resync by themselves.
    live_server.stop()
    expect(proj.locator(".conn")).to_be_visible()
    screenshot(proj, "projector-4-reconnecting")
    live_server.start()
    expect(proj.locator(".conn")).to_be_hidden(timeout=20_000)
    expect(proj.locator(".p-item .state")).to_have_text("通过")

    # A secret ballot: the projector shows only how many have voted until it closes.
    sec.locator("#c-agenda li").nth(1).locator("button:has-text('无记名投票')").click()
    expect(sec.locator("#c-msg")).to_contain_text("表决已开启")
    assert "无记名投票" in asked[-1]
    expect(proj.locator(".tally-secret .num")).to_have_text("0", timeout=15_000)
    for page in phones[:2]:
        expect(page.locator("#v-ballot button.vote")).to_have_count(3)
        page.click("#v-ballot button.vote.oppose")
        page.click("#v-ballot button.confirm")
        # A secret ballot: the phone says only that he voted (issue 9 §2).
        expect(page.locator("#v-ballot .v-voted")).to_have_text("✔ 已投票")
    expect(proj.locator(".tally-secret .num")).to_have_text("2")
    expect(proj.locator(".tally-row")).to_have_count(0)
    screenshot(proj, "projector-5-secret")
    sec.locator("#c-current button:has-text('结束表决')").click()
    expect(proj.locator(".tally-row.oppose .tally-num")).to_have_text("2")
    expect(proj.locator(".p-item .state")).to_have_text("未通过")

    assert proj.evaluate("window.__sameDocument") == "yes"  # no reload, ever
    sec.click("#c-top button:has-text('结束会议')")
    expect(sec.locator("#c-msg")).to_contain_text("会议已结束")
    assert "确定结束会议吗" in asked[-1]
    expect(proj.locator(".p-results li")).to_have_count(2)
    screenshot(proj, "projector-6-closed")
