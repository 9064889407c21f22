"""The projector at 1920×1080 (issue 9 §3), by geometry: each rule once, in plain words in
large type with its formula in small print; the principle is a tag beside the title, not a
full-width bar; the reconnecting notice never covers the attendance figure."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import DEMO, DEMO_PASSWORD, PROJECTOR, box_of, overlap, screenshot


def _font_px(locator) -> float:
    return locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def test_the_projector_states_each_rule_once_and_its_notice_never_hides_attendance(
        live_server, new_page):
    api = httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=20)
    token = api.post("/auth/token", json={"phone": DEMO["secretary"],
                                          "password": DEMO_PASSWORD}).json()["access_token"]
    sec = {"Authorization": f"Bearer {token}"}
    joint = next(m for m in api.get("/meetings").json()["items"] if m["status"] == "scheduled")
    meeting_id = joint["id"]
    proj = new_page(PROJECTOR)
    proj.goto(f"{live_server.url}/meetings/{meeting_id}/projector")
    expect(proj.locator("#p-present-num")).to_have_text("0")

    # Before the joint meeting opens: R7.1 once, in plain words, large; the formula small.
    text = proj.locator(".proj").inner_text()
    quorum_rule = api.get(f"/meetings/{meeting_id}").json()["quorum"]["rule"]
    assert text.count(quorum_rule) == 1 and text.count("R7.1") == 1, text
    plain = proj.locator(".p-head .p-plain")
    expect(plain).to_have_text("到会 7 人即达三分之二")
    small = proj.locator(".p-head .p-rule")
    expect(small).to_contain_text("3P ≥ 2S")
    assert _font_px(plain) >= 0.035 * PROJECTOR["height"]
    assert _font_px(small) <= 0.6 * _font_px(plain)
    # The principle is a tag on the title's line, not a bar across the screen.
    row = proj.locator(".p-results li").first
    tag = row.locator(".tag.principle")
    title = row.locator(".p-results-title")
    tag_box, title_box, row_box = box_of(tag), box_of(title), box_of(row)
    assert tag_box["width"] < 0.3 * row_box["width"], (tag_box, row_box)
    middle = tag_box["y"] + tag_box["height"] / 2
    assert title_box["y"] <= middle <= title_box["y"] + title_box["height"], (tag_box, title_box)
    assert tag_box["x"] > title_box["x"] + title_box["width"] - 1
    screenshot(proj, "projector-rules-1-scheduled")

    # Open, a vote running: the adoption rule once too, in plain words, large.
    members = api.get("/committee").json()["members"]
    for member in members[:7]:
        api.post(f"/meetings/{meeting_id}/attendance", headers=sec,
                 json={"user_id": member["id"]}).raise_for_status()
    api.post(f"/meetings/{meeting_id}/open", headers=sec).raise_for_status()
    item = api.get(f"/meetings/{meeting_id}").json()["agenda"][0]["id"]
    api.post(f"/items/{item}/vote/open", headers=sec, json={"secret": False}).raise_for_status()
    needed = proj.locator(".p-needed-line")
    expect(needed).to_have_text("通过需同意 ≥ 4 票")
    assert _font_px(needed) >= 0.05 * PROJECTOR["height"]
    assert _font_px(proj.locator(".p-foot .p-rule")) <= 0.4 * _font_px(needed)
    text = proj.locator(".proj").inner_text()
    assert text.count("R7.1") == 1 and text.count("R7.2") == 1, text
    screenshot(proj, "projector-rules-2-voting")

    # The connection drops: the notice shows, beside the attendance figure, never over it.
    live_server.stop()
    notice = proj.locator(".conn")
    expect(notice).to_be_visible(timeout=20_000)
    notice_box = box_of(notice)
    for part in ("#p-present-num", ".p-present", ".p-attendance .quorum", ".p-plain"):
        assert not overlap(notice_box, box_of(proj.locator(part))), (part, notice_box)
    assert notice_box["y"] >= 0 and notice_box["y"] + notice_box["height"] <= PROJECTOR["height"]
    screenshot(proj, "projector-rules-3-reconnecting")
