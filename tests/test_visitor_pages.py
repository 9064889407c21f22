"""The visitor's home page is rendered once per worker for each set of what it shows and kept,
with the visitor's own CSRF token put in (templating.visitor_page, issue 11's page floor). It
must be byte for byte what page() renders, fresh after any change of the community, and never
keep a flash or a logged-in person's page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from starlette.requests import Request

from meetingroom import pages, templating
from tests.conftest import login

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_the_kept_home_page_is_the_rendered_one(app, community, monkeypatch):
    """Every language and type size in turn, the cache filling up as it goes: each page kept is
    the page page() renders for that visitor (a key that missed what a page shows would hand
    one visitor another's language or type size)."""
    templating._visitor_pages.clear()
    for lang in (None, "en", "zh_CN"):
        for large in (None, "1", "0"):
            with TestClient(app, base_url="http://testserver") as client:
                for name, value in (("mr_lang", lang), ("mr_large", large)):
                    if value is not None:
                        client.cookies.set(name, value)
                first = client.get("/")  # rendered into the cache, or from it
                kept = client.get("/")  # from the cache
                with monkeypatch.context() as m:
                    m.setattr(pages, "visitor_page", templating.page)  # as page() renders it
                    rendered = client.get("/")
            assert first.status_code == kept.status_code == rendered.status_code == 200
            assert first.content == kept.content == rendered.content, (lang, large)
            assert templating._CSRF_MARK not in kept.text
            tokens = TOKEN.findall(kept.text)
            assert len(tokens) == 2 and tokens[0] == tokens[1]
            assert f'"X-CSRF-Token": "{tokens[0]}"' in kept.text
    assert len(templating._visitor_pages) == 4  # zh/en × large or not


def test_each_visitor_gets_his_own_token_from_the_kept_page(app, community):
    templating._visitor_pages.clear()
    with TestClient(app, base_url="http://testserver") as one, \
            TestClient(app, base_url="http://testserver") as two:
        token_one = TOKEN.findall(one.get("/").text)[0]
        token_two = TOKEN.findall(two.get("/").text)[0]
        assert token_one != token_two
        assert two.post("/lang", data={"lang": "en", "csrf_token": token_two, "next": "/"},
                        follow_redirects=False).status_code == 303
        assert one.post("/lang", data={"lang": "en", "csrf_token": token_two, "next": "/"},
                        follow_redirects=False).status_code == 403


def test_a_changed_community_shows_at_once_on_the_kept_page(client, session, community):
    client.get("/")
    community.name = "改了名的社区"
    session.add(community)
    session.commit()
    assert 'href="/">改了名的社区<small>' in client.get("/").text


def test_a_logged_in_home_page_is_never_kept(client, factory):
    templating._visitor_pages.clear()
    login(client, factory.user(name="王小明"))
    assert "王小明" in client.get("/").text
    assert templating._visitor_pages == {}


def _request(session: dict) -> Request:
    from meetingroom.deps import CommunityInfo

    request = Request({"type": "http", "method": "GET", "path": "/", "root_path": "",
                       "query_string": b"", "headers": [(b"host", b"testserver")],
                       "scheme": "http", "server": ("testserver", 80), "session": session,
                       "state": {}})
    request.state.community = CommunityInfo(1, "社区", "default", "inclusive_half", "present",
                                            True)
    return request


def test_a_flash_is_shown_once_and_never_kept(settings):
    templating._visitor_pages.clear()
    session = {"flash": "一次性的通知"}
    shown = templating.visitor_page(_request(session), "home.html", mine=None).body.decode()
    assert "一次性的通知" in shown and "flash" not in session
    assert templating._visitor_pages == {}
    after = templating.visitor_page(_request(session), "home.html", mine=None).body.decode()
    assert "一次性的通知" not in after
    assert len(templating._visitor_pages) == 1
