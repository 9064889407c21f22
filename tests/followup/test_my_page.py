"""A resident's home, menu and "我的" page (issue 13 §1–2): one call to action, his matters in
progress, five menu items, no staff pages or staff actions."""

from __future__ import annotations

import re

from tests.conftest import login

RESIDENT_MENU = ["/", "/suggestions", "/resolutions", "/notifications", "/me"]
STAFF_PAGES = ("/proposals", "/inbox", "/dashboard", "/roster", "/committee", "/settings")


def _menu(html: str) -> list[str]:
    block = re.search(r'<div class="menu">(.*?)</div>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"', block)


def _nav(html: str) -> str:
    return re.search(r"<nav class=\"nav\".*?</nav>", html, re.S).group(0)


def test_a_resident_home_has_one_call_to_action_then_his_matters(client, chain, factory):
    me = factory.user("何阿姨")
    other = factory.user("赵大爷")
    moving = chain.suggestion(author=me, title="路灯坏了")
    supported = chain.suggestion(author=other, title="增设长椅", supporters=[me])
    declined = chain.suggestion(author=me, title="已不予采纳的事")
    declined.status = "declined"
    chain._save(declined)
    login(client, me)
    html = client.get("/").text
    main = html[html.index('<main id="main">'):]
    assert main.count('href="/suggestions/new"') == 1 and "我要提建议" in main
    assert main.index("我要提建议") < main.index("我的事项进展")
    progress = main[main.index("我的事项进展"):]
    assert f'href="/suggestions/{moving.id}"' in progress
    assert f'href="/suggestions/{supported.id}"' in progress
    assert f'href="/suggestions/{declined.id}"' not in progress


def test_the_menu_has_five_items_for_residents_and_staff_pages_only_for_staff(client, chain,
                                                                             factory):
    resident = factory.user()
    login(client, resident)
    for path in ("/", "/suggestions", "/resolutions", "/notifications", "/me"):
        html = client.get(path).text
        assert _menu(html) == RESIDENT_MENU, path
        nav = _nav(html)
        for staff in STAFF_PAGES:
            assert f'href="{staff}"' not in nav, (path, staff)
    assert "导出 CSV" not in client.get("/resolutions").text  # no staff actions
    client.cookies.clear()
    assert _menu(client.get("/").text) == ["/", "/suggestions", "/resolutions", "/login"]
    login(client, factory.secretary())
    html = client.get("/resolutions").text
    assert _menu(html) == RESIDENT_MENU
    for staff in ("/proposals", "/dashboard", "/roster", "/settings"):
        assert f'href="{staff}"' in _nav(html)
    assert "导出 CSV" in html


def test_my_page_gathers_mine_supported_and_what_i_can_rate(client, chain, factory):
    me = factory.user("何阿姨")
    mine = chain.suggestion(author=me, title="路灯坏了")
    supported = chain.suggestion(author=factory.user(), title="增设长椅", supporters=[me])
    open_now = chain.done(title="加装电梯")
    rated = chain.done(title="修好路灯")
    chain.rating(rated, me, 4)
    not_yet = chain.resolution(title="还没完成的事")
    assert client.get("/me", follow_redirects=False).status_code == 303
    login(client, me)
    html = client.get("/me").text
    section = lambda anchor: html[html.index(f'id="{anchor}"'):].split("</section>")[0]  # noqa: E731
    assert f'href="/suggestions/{mine.id}"' in section("mine")
    assert f'href="/suggestions/{supported.id}"' in section("supported")
    to_rate = section("to-rate")
    assert f'href="/resolutions/{open_now.id}#ratings"' in to_rate
    assert f"/resolutions/{rated.id}#" not in to_rate  # already rated
    assert f"/resolutions/{not_yet.id}#" not in to_rate  # not open yet
    assert 'action="/logout"' in html


def test_read_aloud_on_suggestion_resolution_and_matter_pages(client, chain):
    m = chain.matter()
    for path in (f"/suggestions/{m.suggestion.id}", f"/resolutions/{m.resolution.id}",
                 f"/matters/{m.proposal.id}"):
        html = client.get(path).text
        button = re.search(r"<button[^>]*data-speak=\"([^\"]+)\"[^>]*>", html)
        assert button and " hidden" in button.group(0), path  # shown by speak.js only
        assert '<script src="/static/speak.js" defer></script>' in html, path
    js = client.get("/static/speak.js").text
    assert "speechSynthesis" in js and "zh-CN" in js and "fetch(" not in js  # no server


def test_large_type_stays_on_and_its_switch_shows_it(client):
    from tests.conftest import csrf_of

    html = client.get("/").text
    assert '<html lang="zh-CN">' in html and 'aria-pressed="false"' in html
    r = client.post("/large-type", data={"csrf_token": csrf_of(client, "/"), "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303
    for path in ("/", "/suggestions", "/resolutions", "/login"):
        html = client.get(path).text
        assert '<html lang="zh-CN" class="large">' in html, path
        switch = re.search(r'<button class="link large-switch"[^>]*>(.*?)</button>', html, re.S)
        assert 'aria-pressed="true"' in switch.group(0) and "✓" in switch.group(1), path
