"""A member's phone while the live connection is down: the reconnecting notice shows, but never
over the compact header's language and large-type switches (a member on flaky Wi-Fi who needs
larger type must still reach the switch), on a 360 px phone in large type."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO,
    DEMO_PASSWORD,
    SMALL_PHONE,
    box_of,
    login,
    overlap,
    screenshot,
)


def test_the_reconnecting_notice_leaves_the_header_switches_reachable(live_server, new_page):
    api = httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=20)
    meeting_id = next(m["id"] for m in api.get("/meetings").json()["items"]
                      if m["status"] == "scheduled")
    page = new_page(SMALL_PHONE)
    page.context.add_cookies([{"name": "mr_large", "value": "1", "url": live_server.url}])
    login(page, live_server.url, DEMO["member"], DEMO_PASSWORD)
    page.goto(f"{live_server.url}/meetings/{meeting_id}/vote")
    expect(page.locator("#v-item")).to_contain_text("会议尚未开始")
    assert page.evaluate("document.documentElement.classList.contains('large')")

    live_server.stop()
    notice = page.locator(".vote-page .conn")
    expect(notice).to_be_visible(timeout=30_000)
    screenshot(page, "phone-vote-reconnecting-large")
    notice_box = box_of(notice)
    for switch in (".mtop .tools button[name=lang]", ".mtop .tools .large-switch"):
        button = page.locator(switch)
        box = box_of(button)
        assert not overlap(notice_box, box), (switch, notice_box, box)
        # Nothing lies on top of the switch: a tap at its centre reaches it.
        on_top = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y);"
            " return !!(e && e.closest('.tools')); }",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert on_top, switch
    # Scrolled down to the agenda, the notice stays in sight.
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(300)
    box = box_of(notice)
    assert 0 <= box["y"] < SMALL_PHONE["height"], box
