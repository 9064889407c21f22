"""The secretary's console in real Chromium (issue 9 §3): opening a meeting days off its time,
opening a secret ballot, marking a member absent during a vote and closing the meeting each
ask first. Dismissing the dialog changes nothing; accepting it does the thing. Without
JavaScript the same actions go through a confirmation page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import DEMO, login, screenshot
from tests.browser.test_ballot_geometry import Meeting

LAPTOP = {"width": 1366, "height": 860}


class Dialogs:
    """Answers the next dialog as told and remembers what it said."""

    def __init__(self, page) -> None:
        self.said: list[str] = []
        self.accept = False
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.said.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def test_the_console_asks_before_what_one_click_must_not_do(live_server, new_page):
    meeting = Meeting(live_server, starts_at=datetime.now(UTC) + timedelta(days=3), open=False)
    api, sec_auth = meeting.api, meeting.sec
    sec = new_page(LAPTOP)
    login(sec, live_server.url, DEMO["secretary"])
    sec.goto(f"{live_server.url}/meetings/{meeting.id}/console")
    dialogs = Dialogs(sec)

    def status() -> str:
        return api.get(f"/meetings/{meeting.id}").json()["status"]

    # Three days early: the console says so, and opening asks.
    expect(sec.locator("#c-top .c-schedule")).to_contain_text("相差超过一小时")
    screenshot(sec, "console-confirm-1-early")
    sec.click("#c-top button:has-text('开始会议')")
    sec.wait_for_timeout(500)
    assert len(dialogs.said) == 1 and "相差超过一小时" in dialogs.said[0]
    assert status() == "scheduled"
    dialogs.accept = True
    sec.click("#c-top button:has-text('开始会议')")
    expect(sec.locator("#c-msg")).to_contain_text("会议已开始")
    assert status() == "open"

    # A secret ballot asks; an open one would not.
    first = sec.locator("#c-agenda li").first
    dialogs.accept = False
    first.locator("button:has-text('无记名投票')").click()
    sec.wait_for_timeout(500)
    assert "无记名投票" in dialogs.said[-1] and len(dialogs.said) == 3
    assert api.get(f"/items/{meeting.items[0]}/tally").json()["status"] == "pending"
    dialogs.accept = True
    first.locator("button:has-text('无记名投票')").click()
    expect(sec.locator("#c-current")).to_contain_text("表决中")
    assert api.get(f"/items/{meeting.items[0]}/tally").json()["secret"] is True

    # Marking a member absent while the vote is open asks, naming him.
    row = sec.locator("#c-side ul.attendance > li.present").first
    name = row.locator(".who").inner_text()
    present = api.get(f"/meetings/{meeting.id}").json()["present"]
    dialogs.accept = False
    row.locator("button").click()
    sec.wait_for_timeout(500)
    assert name in dialogs.said[-1] and "表决正在进行" in dialogs.said[-1]
    assert api.get(f"/meetings/{meeting.id}").json()["present"] == present
    dialogs.accept = True
    row.locator("button").click()
    expect(sec.locator("#c-side .count")).to_have_text(f"{present - 1} / 10")

    # Closing the meeting asks (once the vote is closed; closing a vote does not ask).
    asked = len(dialogs.said)
    sec.locator("#c-current button:has-text('结束表决')").click()
    expect(sec.locator("#c-msg")).to_contain_text("表决已结束")
    assert len(dialogs.said) == asked
    dialogs.accept = False
    sec.click("#c-top button:has-text('结束会议')")
    sec.wait_for_timeout(500)
    assert "确定结束会议吗" in dialogs.said[-1] and status() == "open"
    screenshot(sec, "console-confirm-2-open")

    # Without JavaScript: the confirmation is a page of its own.
    nojs = new_page(LAPTOP, java_script_enabled=False)
    login(nojs, live_server.url, DEMO["secretary"])
    nojs.goto(f"{live_server.url}/meetings/{meeting.id}/console")
    nojs.click("#c-top button:has-text('结束会议')")
    expect(nojs.locator(".c-confirm-q")).to_have_text("确定结束会议吗？")
    assert status() == "open"
    screenshot(nojs, "console-confirm-3-nojs")
    nojs.click(".c-confirm button:has-text('结束会议')")
    nojs.wait_for_url(f"{live_server.url}/meetings/{meeting.id}/console")
    assert status() == "closed"
    expect(sec.locator("#c-top")).to_contain_text("已结束")
    assert api.get(f"/meetings/{meeting.id}", headers=sec_auth).json()["status"] == "closed"
