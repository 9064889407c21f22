"""Register, log in, switch language and toggle large type on a phone-sized Chromium."""

from tests.browser.conftest import DEMO, PHONE, SMALL_PHONE, login, no_horizontal_scroll, screenshot


def test_register_then_log_out_and_in_again(live_server, new_page):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/register")
    assert page.locator("h1").inner_text() == "注册"  # Chinese is the default
    page.fill("#f-name", "钱阿姨")
    page.fill("#f-phone", "13712345678")
    page.fill("#f-password", "weak")
    page.click("form[action='/register'] button[type=submit]")
    # Too short: a message in Chinese, the typed name kept.
    assert "密码至少需要 8 个字符" in page.locator(".err").first.inner_text()
    assert page.input_value("#f-name") == "钱阿姨"
    page.fill("#f-password", "qian-ayi-2026")
    page.click("form[action='/register'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "欢迎您，钱阿姨" in page.content()
    assert no_horizontal_scroll(page)
    page.click("nav a.who-link")  # 我的: the person's page, with logging out
    assert page.locator("main h1").inner_text() == "钱阿姨"
    page.click("main button:has-text('退出')")
    login(page, live_server.url, "13712345678", "qian-ayi-2026")
    assert page.locator("nav a.who-link").inner_text() == "我的"


def test_wrong_password_says_so_without_revealing_the_account(live_server, new_page):
    page = new_page(PHONE)
    login(page, live_server.url, DEMO["resident"], "not-the-password")
    assert "手机号或密码错误" in page.locator(".err").inner_text()


def test_demo_secretary_logs_in_and_sees_the_roster(live_server, new_page):
    page = new_page(SMALL_PHONE)
    login(page, live_server.url, DEMO["secretary"])
    page.goto(f"{live_server.url}/roster")
    assert page.locator("h1").inner_text() == "名册"
    assert page.locator("table tbody tr").count() == 17  # with the candidate on public notice
    assert no_horizontal_scroll(page)
    screenshot(page, "roster-360")


def test_switch_language_and_large_type_are_remembered(live_server, new_page):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/committee")
    assert page.locator("h1").inner_text() == "社区“大党委”班子"
    size_before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("button[name=lang][value=en]")
    page.wait_for_url(f"{live_server.url}/committee")
    assert page.locator("h1").inner_text() == "The joint party committee"
    page.click("button:has-text('Large type')")
    page.wait_for_url(f"{live_server.url}/committee")
    size_after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size_after > size_before * 1.15
    # Both choices survive a new visit.
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.classList.contains('large')")
    assert "Our community decides together" in page.content()
    assert no_horizontal_scroll(page)
    screenshot(page, "home-large-en")
