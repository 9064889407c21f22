"""My devices and the desk's password reset on 360 px phones in real Chromium (issue 12)."""

from __future__ import annotations

import re

from tests.browser.conftest import DEMO, SMALL_PHONE, login, no_horizontal_scroll, screenshot

ANDROID = ("Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko)"
           " Chrome/120.0 Mobile Safari/537.36")


def test_my_devices_signs_out_the_other_phone(live_server, new_page):
    old_phone = new_page(SMALL_PHONE, user_agent=ANDROID)
    login(old_phone, live_server.url, DEMO["resident"])
    page = new_page(SMALL_PHONE)
    login(page, live_server.url, DEMO["resident"])
    page.goto(f"{live_server.url}/account")
    page.click("button:has-text('大字')")  # large type, as many residents use it
    page.wait_for_url(f"{live_server.url}/account")
    assert page.evaluate("document.documentElement.classList.contains('large')")
    devices = page.locator("li.device")
    assert devices.count() == 2
    assert "本机" in page.locator("li.device.current").inner_text()
    assert "Android" in page.locator("li.device:not(.current)").inner_text()
    assert no_horizontal_scroll(page)
    button = page.locator("button:has-text('退出其他所有设备')")
    box = button.bounding_box()
    assert box and box["width"] <= SMALL_PHONE["width"] and box["height"] >= 40
    screenshot(page, "devices-360")
    button.click()
    page.wait_for_url(f"{live_server.url}/account")
    assert page.locator("li.device").count() == 1
    old_phone.goto(f"{live_server.url}/account")
    assert "/login" in old_phone.url  # the other phone is signed out


def test_the_desk_issues_a_code_and_the_phone_sets_a_new_password(live_server, new_page):
    desk = new_page(SMALL_PHONE)
    login(desk, live_server.url, DEMO["secretary"])
    desk.goto(f"{live_server.url}/roster")
    desk.locator("table tbody tr", has_text=DEMO["resident"]).locator("a").first.click()
    desk.wait_for_load_state("networkidle")
    desk.click("button:has-text('发放重置码')")
    desk.wait_for_load_state("networkidle")
    code = desk.locator(".reset-code strong").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    qr = desk.locator(".reset-qr svg").bounding_box()
    assert qr and 150 <= qr["width"] <= SMALL_PHONE["width"]
    assert no_horizontal_scroll(desk)
    screenshot(desk, "reset-code-360")

    forgotten = new_page(SMALL_PHONE)
    login(forgotten, live_server.url, DEMO["resident"])  # a session from before the reset
    phone = new_page(SMALL_PHONE)
    phone.goto(f"{live_server.url}/reset#{code}")  # what the QR code holds
    assert phone.input_value("#f-code") == code  # copied from the fragment by reset.js
    phone.fill("#f-phone", DEMO["resident"])
    phone.fill("#f-new", "woaini1314")
    phone.click("form#reset-form button[type=submit]")
    assert "太容易被猜到" in phone.locator(".err").first.inner_text()
    phone.fill("#f-new", "lake-bright-2027")
    phone.click("form#reset-form button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/login")
    assert "新密码已设置" in phone.content()
    assert no_horizontal_scroll(phone)
    screenshot(phone, "reset-done-360")
    login(phone, live_server.url, DEMO["resident"], "lake-bright-2027")
    assert "/login" not in phone.url
    forgotten.goto(f"{live_server.url}/account")
    assert "/login" in forgotten.url
