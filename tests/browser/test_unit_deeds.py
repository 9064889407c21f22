"""Member units at 360 px (R5.2): the secretary records a unit's good deed with a photo on the
unit's console, a resident finds it on the public deeds page and thanks it once (htmx swaps the
button in place); the units board flags the demo's short units."""

from __future__ import annotations

import io

from PIL import Image

from tests.browser.conftest import (
    DEMO,
    SMALL_PHONE,
    login,
    no_horizontal_scroll,
    screenshot,
)


def test_deed_recorded_then_thanked_at_360px(live_server, new_page, tmp_path):
    image = tmp_path / "deed.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 60, 50)).save(buf, "JPEG")
    image.write_bytes(buf.getvalue())

    sec = new_page(viewport=SMALL_PHONE)
    login(sec, live_server.url, DEMO["secretary"])
    sec.goto(f"{live_server.url}/units/board")
    assert "供电所幸福路营业厅党支部" in sec.inner_text("#units")
    assert sec.locator(".flag.bad").count() >= 2  # the demo has short units
    assert no_horizontal_scroll(sec)
    screenshot(sec, "units-board-360")
    sec.click("text=幸福苑业主委员会")
    assert "/console" in sec.url
    form = sec.locator("form[action$='/deeds']")
    form.locator("#f-title").fill("业委会组织楼道大扫除")
    form.locator("#f-beneficiaries").fill("幸福苑3号楼居民")
    form.locator("#f-photos").set_input_files(str(image))
    form.locator("button[type=submit]").click()
    sec.wait_for_load_state("networkidle")
    assert "实事好事已登记。" in sec.inner_text("main")
    assert no_horizontal_scroll(sec)
    screenshot(sec, "unit-console-360")

    resident = new_page(viewport=SMALL_PHONE)
    login(resident, live_server.url, DEMO["resident"])
    resident.goto(f"{live_server.url}/deeds")
    card = resident.locator("article.deed", has_text="业委会组织楼道大扫除")
    assert card.locator(".gallery img").count() == 1
    assert "0 个赞" in card.inner_text()
    card.locator("button", has_text="点赞").click()
    card.locator(".supported").wait_for()
    assert "已点赞" in card.inner_text() and "1 个赞" in card.inner_text()
    assert no_horizontal_scroll(resident)
    screenshot(resident, "deeds-thanked-360")
    resident.reload()
    card = resident.locator("article.deed", has_text="业委会组织楼道大扫除")
    assert card.locator("button", has_text="点赞").count() == 0  # once each
    assert "1 个赞" in card.inner_text()
