"""The year-end review meeting (R5.4) in real Chromium: the secretary sets it up and opens it from
the console, members score from 360 px phones, and the projector (1920×1080) shows each score as
it comes in without reloading; last year's review in the demo prints its sheets."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO,
    PROJECTOR,
    SMALL_PHONE,
    login,
    no_horizontal_scroll,
    screenshot,
)

LAPTOP = {"width": 1366, "height": 860}


def _score_first(page, url: str, review_id: int, points: list[str]) -> int:
    """Score the first subject on the phone page; returns its subject id."""
    page.goto(f"{url}/reviews/{review_id}/score")
    form = page.locator("form.rv-marks").first
    action = form.get_attribute("action")
    inputs = form.locator("input[type=number]")
    expect(inputs.first).to_be_visible()
    for i in range(inputs.count()):
        inputs.nth(i).fill(points[i % len(points)])
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    return int(action.rsplit("/", 1)[1])


def test_scores_reach_the_projector_live_while_members_score_on_phones(live_server, new_page):
    url = live_server.url
    sec = new_page(LAPTOP)
    login(sec, url, DEMO["secretary"])
    sec.goto(f"{url}/reviews/new")
    # The form comes with the seed's criteria and this year's date; an open (named) review
    # shows the scores as they come in.
    expect(sec.locator("#unit-n-0")).to_have_value("报到与联系")
    sec.uncheck("input[name=secret]")
    sec.click("form.rv-setup button[type=submit]")
    sec.wait_for_url(re.compile(r"/reviews/\d+$"))
    review_id = int(sec.url.rsplit("/", 1)[1])
    sec.click(f"form[action='/reviews/{review_id}/open'] button")
    sec.wait_for_url(f"{url}/reviews/{review_id}")
    expect(sec.locator(".rv-state").first).to_contain_text("评分进行中")
    screenshot(sec, "review-console")

    proj = new_page(PROJECTOR)
    login(proj, url, DEMO["chair"])
    proj.goto(f"{url}/reviews/{review_id}/projector")
    expect(proj.locator("#rv-board")).to_be_visible()
    expect(proj.locator(".rv-score")).to_have_count(0)

    # A member scores from a 360 px phone: the page fits, the inputs are big enough to tap.
    phone = new_page(SMALL_PHONE)
    login(phone, url, DEMO["member"])
    phone.goto(f"{url}/reviews/{review_id}/score")
    assert no_horizontal_scroll(phone)
    box = phone.locator("form.rv-marks input[type=number]").first.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    screenshot(phone, "review-phone")
    subject_id = _score_first(phone, url, review_id, ["90"])
    expect(phone.locator(f"#done-{subject_id}")).to_contain_text("已评分")

    # The projector shows it without a reload: 90 on every criterion is 90.0.
    row = proj.locator(f"#rv-s-{subject_id}")
    expect(row.locator(".rv-score")).to_have_text("90.0", timeout=10_000)

    # A second member on another phone scores the same unit: the average moves to 85.0.
    other = new_page(SMALL_PHONE)
    login(other, url, DEMO["full_time"])
    assert _score_first(other, url, review_id, ["80"]) == subject_id
    expect(row.locator(".rv-score")).to_have_text("85.0", timeout=10_000)
    expect(row.locator(".rv-of")).to_contain_text("2")
    # The board fills the projector's width, and every unit's row is on the screen.
    rows = proj.locator(".rv-side .rv-row")
    assert rows.count() == 9  # eight units and the committee
    for i in range(rows.count()):
        b = rows.nth(i).bounding_box()
        assert b["y"] + b["height"] <= 1080 and b["width"] > 1500
    screenshot(proj, "review-projector")

    # The secretary closes the scoring; the projector says so by itself.
    sec.click(f"form[action='/reviews/{review_id}/close'] button")
    expect(proj.locator(".rv-state")).to_contain_text("评分已结束", timeout=10_000)


def test_last_years_review_in_the_demo_prints_its_sheets(live_server, new_page):
    url = live_server.url
    sec = new_page(LAPTOP)
    login(sec, url, DEMO["secretary"])
    sec.goto(f"{url}/reviews")
    sec.click("a:has-text('双述双评会议')")
    sec.goto(sec.url.replace("/score", "") + "/results" if "/results" not in sec.url
             else sec.url)
    expect(sec.locator(".rv-score")).to_have_count(9)
    sheet = sec.locator("a:has-text('打印')").first
    sheet.click()
    expect(sec.locator("article.doc h1")).to_contain_text("双述双评结果")
    expect(sec.locator("article.doc")).to_contain_text("抄报")
    screenshot(sec, "review-sheet")
    phone = new_page(SMALL_PHONE)
    login(phone, url, DEMO["member"])
    phone.goto(sec.url.replace(url, url))
    assert no_horizontal_scroll(phone)


def test_a_resident_objects_to_the_public_notice_from_a_360px_phone(live_server, new_page):
    url = live_server.url
    phone = new_page(SMALL_PHONE)
    login(phone, url, DEMO["resident"])
    phone.goto(f"{url}/notices")
    phone.click("a:has-text('钱卫东')")
    expect(phone.locator("article.doc")).to_contain_text("安居物业公司党支部")
    phone.fill("#f-text", "希望公示期内公开他的履职承诺。")
    phone.click("form[action$='/objections'] button[type=submit]")
    expect(phone.locator("#objections")).to_contain_text("等待会议秘书答复")
    assert no_horizontal_scroll(phone)
    screenshot(phone, "notice-phone")
    # The secretary sees both objections and answers one.
    sec = new_page(LAPTOP)
    login(sec, url, DEMO["secretary"])
    sec.goto(phone.url)
    expect(sec.locator(".objection")).to_have_count(2)
    first = sec.locator(".objection form").first
    first.locator("textarea").fill("已核实，他不会调离。")
    first.locator("button[type=submit]").click()
    expect(sec.locator(".objection").first).to_contain_text("异议不成立")
