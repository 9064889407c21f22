"""Steps 1–2 on real phones: a resident suggests with a photo, a committee member sponsors it in
another browser, and the resident sees the new status."""

import io
import re

from PIL import Image

from tests.browser.conftest import DEMO, PHONE, SMALL_PHONE, login, no_horizontal_scroll, screenshot


def photo_png() -> bytes:
    image = Image.new("RGB", (800, 600), (70, 130, 180))
    for x in range(0, 800, 40):
        for y in range(0, 600, 40):
            if (x // 40 + y // 40) % 2:
                image.paste((240, 200, 60), (x, y, x + 40, y + 40))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": photo_png()}


def test_resident_suggests_member_sponsors_resident_follows(live_server, new_page):
    url = live_server.url
    resident = new_page(PHONE)
    login(resident, url, DEMO["resident"])
    badge = resident.locator("nav .badge")  # the demo's story has told him things already
    unread = int(badge.inner_text()) if badge.count() else 0
    resident.goto(f"{url}/suggestions")
    resident.click("a.button.primary:has-text('我要提建议')")
    resident.wait_for_url(f"{url}/suggestions/new")
    resident.fill("#f-title", "3号楼门口路灯坏了")
    resident.fill("#f-body", "晚上很黑,老人出门不方便。")
    resident.click("label.chip:has-text('治安安全')")
    resident.fill("#f-location", "3号楼2单元门口")
    # Photos chosen one after another add up (a camera gives one per shot), up to three; each
    # gets a thumbnail with a × to take it out again.
    resident.set_input_files("#f-photos", files=[photo("light.png"), photo("dark.png")])
    resident.wait_for_selector(".thumbs li img")
    assert resident.locator(".thumbs li").count() == 2
    resident.set_input_files("#f-photos", files=[photo("a.png"), photo("b.png")])
    assert resident.locator(".thumbs li").count() == 3
    assert resident.locator(".photo-msg").inner_text() == "最多上传 3 张照片。"
    assert not resident.locator(".photo-add").is_visible()
    resident.click(".thumbs li:first-child .thumb-remove")
    assert resident.locator(".thumbs li").count() == 2
    assert resident.evaluate("document.getElementById('f-photos').files.length") == 2
    assert no_horizontal_scroll(resident)
    screenshot(resident, "suggestion-form-390")
    resident.click("#suggest-form button[type=submit]")
    resident.wait_for_url(re.compile(r".*/suggestions/\d+\?submitted=1$"))
    assert "已提交" in resident.locator(".submitted h2").inner_text()
    suggestion_url = resident.url.split("?")[0]
    assert resident.locator(".gallery img").count() == 2
    # The photo really decodes in the browser (wait: images load after the page).
    resident.wait_for_function(
        "(() => { const i = document.querySelector('.gallery img');"
        " return i.complete && i.naturalWidth > 0; })()")
    assert resident.locator(".timeline li.done").count() == 1
    screenshot(resident, "suggestion-submitted-390")
    resident.click("a:has-text('在“我的建议”中跟踪进度')")
    resident.wait_for_url(f"{url}/suggestions/mine")
    card = resident.locator("article.mine").first
    assert "3号楼门口路灯坏了" in card.inner_text()
    assert card.locator(".status").inner_text() == "已提交"

    # A neighbour supports it: htmx swaps the count in place, no page load.
    neighbour = new_page(PHONE)
    login(neighbour, url, DEMO["party_member"])
    neighbour.goto(suggestion_url)
    neighbour.click("#support button:has-text('附议')")
    neighbour.wait_for_selector("#support .supported")
    assert "1 人附议" in neighbour.locator("#support").inner_text()
    assert neighbour.url == suggestion_url

    member = new_page(PHONE)
    login(member, url, DEMO["member"])
    member.goto(f"{url}/inbox")
    item = member.locator("li.inbox-item", has_text="3号楼门口路灯坏了")
    assert item.locator(".mini-thumbs img").count() == 2
    assert "1 人附议" in item.inner_text()
    assert no_horizontal_scroll(member)
    screenshot(member, "inbox-390")
    item.locator("input[name=s]").check()
    member.click("button:has-text('将选中的建议提为议题')")
    member.wait_for_url(re.compile(r".*/proposals/new\?s=\d+$"))
    assert member.input_value("#f-title") == "3号楼门口路灯坏了"
    member.fill("#f-body", "请物业一周内修好3号楼门口的路灯。")
    member.fill("#f-draft", "由安居物业负责,12月10日前修复。")
    member.click("label.principle:has-text('实事共办')")
    assert no_horizontal_scroll(member)
    screenshot(member, "proposal-form-390")
    member.click("form.proposal-form button[type=submit]")
    member.wait_for_url(re.compile(r".*/proposals/\d+$"))
    assert "实事共办" in member.locator(".principle-tag").inner_text()
    assert member.locator(".origins li.sugg").count() == 1
    screenshot(member, "proposal-390")

    resident.reload()
    card = resident.locator("article.mine").first
    assert card.locator(".status").inner_text() == "已有委员提议"
    assert card.locator(".timeline li.done").count() == 2
    assert resident.locator("nav .badge").inner_text() == str(unread + 1)
    screenshot(resident, "my-suggestions-390")
    resident.click("nav a[href='/notifications']")
    assert "已由班子成员提为议题" in resident.locator(".notices").inner_text()


def test_suggestion_pages_fit_a_360_px_phone(live_server, new_page):
    url = live_server.url
    page = new_page(SMALL_PHONE)
    login(page, url, DEMO["resident"])
    page.goto(f"{url}/suggestions/new")
    assert no_horizontal_scroll(page)
    screenshot(page, "suggestion-form-360")
    long_word = "很长的标题" * 20
    page.fill("#f-title", long_word[:100])
    page.fill("#f-body", "x" * 300)
    page.click("label.chip:has-text('其他')")
    page.click("#suggest-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/suggestions/\d+\?submitted=1$"))
    assert no_horizontal_scroll(page)
    screenshot(page, "suggestion-detail-360")
    for path in ("/suggestions", "/suggestions/mine", "/proposals"):
        page.goto(f"{url}{path}")
        assert no_horizontal_scroll(page), path
    screenshot(page, "proposals-360")
    page.goto(f"{url}/suggestions")
    screenshot(page, "suggestions-360")
    member = new_page(SMALL_PHONE)
    login(member, url, DEMO["chair"])
    for path in ("/inbox", "/proposals/new"):
        member.goto(f"{url}{path}")
        assert no_horizontal_scroll(member), path


def test_a_refused_photo_keeps_the_text(live_server, new_page):
    url = live_server.url
    page = new_page(PHONE)
    login(page, url, DEMO["resident"])
    page.goto(f"{url}/suggestions/new")
    page.fill("#f-title", "健身器材坏了")
    page.fill("#f-body", "东门的健身器材松了。")
    # Text that calls itself a PNG: the browser believes the name, the server checks the content.
    page.set_input_files("#f-photos", files=[
        {"name": "fake.png", "mimeType": "image/png", "buffer": b"not an image" * 100}])
    page.click("#suggest-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "无法识别该文件" in page.locator("#e-photos").inner_text()
    assert page.input_value("#f-title") == "健身器材坏了"
    assert page.input_value("#f-body") == "东门的健身器材松了。"
    screenshot(page, "suggestion-photo-refused-390")
