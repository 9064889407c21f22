"""Visual regression net (issue 13 §3): geometry checks that fail when a table, a form row or a
tag is visibly broken, at a 360 px phone in large type and a 1366 px laptop. Text checks cannot
see these: the roster once showed 1 of 16 people, radios sat above their labels, category chips
were a pill inside a pill and the principle tag stretched into a full-width bar."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO, login, no_horizontal_scroll, screenshot

SIZES = {"phone-large": ({"width": 360, "height": 740}, "1"),
         "laptop": ({"width": 1366, "height": 800}, "0")}

ROWS_VISIBLE = """() => {
  // A row is hidden when it is empty or lies outside an ancestor that clips its overflow.
  const clippedAway = el => {
    const box = el.getBoundingClientRect();
    if (box.height < 10 || box.width < 50) return true;
    for (let a = el.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const clip = a.getBoundingClientRect();
      if (style.overflowY !== 'visible' && (box.top < clip.top - 1 || box.bottom > clip.bottom + 1))
        return true;
      if (style.overflowX === 'hidden' && (box.left < clip.left - 1 || box.right > clip.right + 1))
        return true;
    }
    return false;
  };
  const rows = [...document.querySelectorAll('main table tbody tr')];
  // A short header broken over several lines reads "姓/职/成员单".
  const wrapped = [...document.querySelectorAll('main table th')].filter(th => {
    const text = th.textContent.trim();
    if (!text || text.length > 6 || th.offsetWidth === 0) return false;
    const range = document.createRange();
    range.selectNodeContents(th);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return lines.size > 1 || clippedAway(th);
  }).map(th => th.textContent.trim());
  return {rows: rows.length, bad: rows.filter(clippedAway).length, wrapped};
}"""

LABEL_AND_CONTROL_ON_ONE_LINE = """() => [...document.querySelectorAll('main label')].filter(l => {
  const input = l.querySelector('input[type=checkbox], input[type=radio]');
  if (!input || getComputedStyle(input).opacity === '0') return false;
  const walker = document.createTreeWalker(l, NodeFilter.SHOW_TEXT,
    {acceptNode: n => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  const text = walker.nextNode();
  if (!text) return false;
  const range = document.createRange();
  range.selectNodeContents(text);
  const first = range.getClientRects()[0];
  const box = input.getBoundingClientRect();
  const middle = box.top + box.height / 2;
  return !(first && middle > first.top - 4 && middle < first.bottom + 4);
}).map(l => l.textContent.trim().slice(0, 30))"""

TAGS_FIT = """() => [...document.querySelectorAll('.tag')].filter(t => {
  const w = t.getBoundingClientRect().width;
  const parent = t.parentElement.getBoundingClientRect().width;
  return w > 0 && parent > 0 && w >= parent - 1 && t.textContent.trim().length < 12;
}).map(t => t.textContent.trim())"""

NO_PILL_IN_PILL = """() => [...document.querySelectorAll('label.chip')].filter(l => {
  const inner = l.querySelector('span');
  const border = el => parseFloat(getComputedStyle(el).borderTopWidth);
  const round = el => parseFloat(getComputedStyle(el).borderTopLeftRadius) > 10;
  return inner && border(l) > 0 && border(inner) > 0 && round(l) && round(inner);
}).map(l => l.textContent.trim())"""


def _open(page, url, path, name):
    page.goto(url + path)
    page.wait_for_load_state("networkidle")
    screenshot(page, name)
    assert no_horizontal_scroll(page), path


@pytest.mark.parametrize("size", SIZES)
def test_tables_forms_and_tags_are_not_visibly_broken(live_server, new_page, size):
    viewport, large = SIZES[size]
    page = new_page(viewport)
    page.context.add_cookies([{"name": "mr_large", "value": large, "url": live_server.url}])
    login(page, live_server.url, DEMO["secretary"])

    _open(page, live_server.url, "/roster", f"layout-roster-{size}")
    roster = page.evaluate(ROWS_VISIBLE)
    assert roster["rows"] >= 10 and roster["bad"] == 0, roster
    assert roster["wrapped"] == [], roster  # headers cut to "姓/职/成员单"

    for path in ("/meetings/new", "/resolutions", "/dashboard"):
        _open(page, live_server.url, path, f"layout-{path.strip('/').replace('/', '-')}-{size}")
        assert page.evaluate(LABEL_AND_CONTROL_ON_ONE_LINE) == [], path
        assert page.evaluate(TAGS_FIT) == [], path

    # 提出议题: a member picks suggestions from his inbox, each a checkbox and its title.
    _open(page, live_server.url, "/meetings", f"layout-meetings-{size}")
    ids = sorted({int(m) for m in re.findall(r'href="/meetings/(\d+)"', page.content())})
    _open(page, live_server.url, f"/meetings/{ids[-1]}/projector", f"layout-projector-{size}")
    assert page.evaluate(TAGS_FIT) == []

    member = new_page(viewport)
    member.context.add_cookies([{"name": "mr_large", "value": large, "url": live_server.url}])
    login(member, live_server.url, DEMO["chair"])
    _open(member, live_server.url, "/inbox", f"layout-inbox-{size}")
    checks = member.locator("main input[type=checkbox]")
    assert checks.count() >= 1
    assert member.evaluate(LABEL_AND_CONTROL_ON_ONE_LINE) == []

    resident = new_page(viewport)
    resident.context.add_cookies([{"name": "mr_large", "value": large, "url": live_server.url}])
    login(resident, live_server.url, DEMO["resident"])
    _open(resident, live_server.url, "/suggestions/new", f"layout-suggest-{size}")
    assert resident.locator("label.chip").count() >= 3
    assert resident.evaluate(NO_PILL_IN_PILL) == []
    for path in ("/", "/me", "/notifications", "/suggestions"):
        name = path.strip("/") or "home"
        _open(resident, live_server.url, path, f"layout-resident-{name}-{size}")
        assert resident.evaluate(TAGS_FIT) == [], path
        # The menu fits one row: five items, all at the same height.
        tops = resident.evaluate("[...document.querySelectorAll('.menu a')].map("
                                 "a => Math.round(a.getBoundingClientRect().top))")
        assert len(tops) == 5 and len(set(tops)) == 1, (path, tops)


def test_read_aloud_shows_only_where_the_browser_can_speak(live_server, new_page):
    page = new_page({"width": 360, "height": 740})
    _open(page, live_server.url, "/resolutions", "speak-list")
    link = page.locator("main a[href^='/resolutions/']").first.get_attribute("href")
    _open(page, live_server.url, link, "speak-resolution")
    button = page.locator("button[data-speak]")
    assert button.is_visible() and "朗读" in button.inner_text()
    quiet = new_page({"width": 360, "height": 740})
    quiet.add_init_script("delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;")
    quiet.goto(live_server.url + link)
    quiet.wait_for_load_state("networkidle")
    assert quiet.locator("button[data-speak]").count() == 1
    assert not quiet.locator("button[data-speak]").is_visible()
