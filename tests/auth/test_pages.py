"""Login, registration and logout through the HTML forms, with CSRF."""

import re

from sqlmodel import func, select

from meetingroom.models import User
from tests.conftest import PASSWORD, csrf_of, login


def test_register_form_keeps_input_and_shows_message(client, session):
    token = csrf_of(client, "/register")
    r = client.post("/register", data={"csrf_token": token, "name": "钱阿姨",
                                       "phone": "12345", "password": "qian-ayi-2026"})
    assert r.status_code == 422
    assert "请输入以 1 开头的 11 位手机号码" in r.text
    assert 'value="钱阿姨"' in r.text
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_register_logs_in_and_logout_logs_out(client):
    token = csrf_of(client, "/register")
    r = client.post("/register", data={"csrf_token": token, "name": "钱阿姨",
                                       "phone": "13712345678", "password": "qian-ayi-2026"},
                    follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = client.get("/").text
    assert "钱阿姨" in home and "退出" in client.get("/me").text
    token = csrf_of(client, "/")
    client.post("/logout", data={"csrf_token": token})
    assert "钱阿姨" not in client.get("/").text


def test_session_cookie_is_secure_over_https(app, factory):
    from fastapi.testclient import TestClient

    user = factory.user()
    with TestClient(app, base_url="https://testserver") as c:
        token = csrf_of(c, "/login")
        r = c.post("/login", data={"csrf_token": token, "phone": user.phone,
                                   "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_form_post_without_csrf_token_is_refused_and_writes_nothing(client, session):
    client.get("/register")
    r = client.post("/register", data={"name": "钱阿姨", "phone": "13712345678",
                                       "password": "qian-ayi-2026"})
    assert r.status_code == 403
    r = client.post("/register", data={"csrf_token": "forged", "name": "钱阿姨",
                                       "phone": "13712345678", "password": "qian-ayi-2026"})
    assert r.status_code == 403
    assert "页面已过期" in r.text
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_cross_site_origin_is_refused(client, factory):
    user = factory.user()
    token = login(client, user)
    r = client.post("/logout", data={"csrf_token": token},
                    headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_cookie_authenticated_api_call_needs_the_csrf_header(client, factory):
    sec = factory.secretary()
    token = login(client, sec)
    body = {"name": "X", "phone": "13711113333", "password": "good-pass-77"}
    assert client.post("/api/v1/users", json=body).status_code == 403
    r = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_login_page_wrong_password_and_redirect_back(client, factory):
    user = factory.user()
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"csrf_token": token, "phone": user.phone,
                                    "password": "wrong-one", "next": "/committee"})
    assert r.status_code == 401 and "手机号或密码错误" in r.text
    r = client.post("/login", data={"csrf_token": token, "phone": user.phone,
                                    "password": PASSWORD, "next": "https://evil.example/"},
                    follow_redirects=False)
    assert r.headers["location"] == "/"  # never redirect off-site
    login(client, user)
    token = csrf_of(client, "/")
    client.post("/logout", data={"csrf_token": token})
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"csrf_token": token, "phone": user.phone,
                                    "password": PASSWORD, "next": "/committee"},
                    follow_redirects=False)
    assert r.headers["location"] == "/committee"


def test_pages_escape_what_people_type(client):
    token = csrf_of(client, "/register")
    client.post("/register", data={"csrf_token": token, "name": "<script>alert(1)</script>",
                                   "phone": "13712345678", "password": "qian-ayi-2026"})
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"<script(?![^>]*src=)", html)  # no inline scripts at all (CSP)


def test_change_password_through_the_account_page(client, factory):
    user = factory.user()
    login(client, user)
    token = csrf_of(client, "/account")
    r = client.post("/account/password", data={"csrf_token": token, "current": "wrong-pass",
                                                "new": "brand-new-pass-1"})
    assert r.status_code == 422 and "当前密码不正确" in r.text
    r = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                "new": "short"})
    assert r.status_code == 422 and "密码至少需要 8 个字符" in r.text
    r = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                "new": "brand-new-pass-1"})
    assert r.status_code == 200 and "密码已修改" in r.text
    client.cookies.clear()  # as an API client without the browser session
    ok = client.post("/api/v1/auth/token", json={"phone": user.phone,
                                                  "password": "brand-new-pass-1"})
    old = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": PASSWORD})
    assert (ok.status_code, old.status_code) == (200, 401)
