"""Server-side sessions and tokens (issue 12 "Accounts"): logout and password changes revoke,
"my devices", the secretary's sign-out everywhere, cheap checks, socket tickets, and an invalid
bearer header that never falls back to the cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.websockets import WebSocketDisconnect

from meetingroom import db
from meetingroom.models import AuditLog, AuthSession, utcnow
from meetingroom.models.base import clock_at
from tests.conftest import PASSWORD, auth, login, statements_run, ticket

UA_PHONE = ("Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0")


def browser(app, user, user_agent: str = "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0") -> tuple[
        TestClient, str]:
    c = TestClient(app, headers={"User-Agent": user_agent})
    return c, login(c, user)


def api_token(client: TestClient, user, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_logout_revokes_the_session_not_only_the_cookie(app, factory):
    user = factory.user()
    c, csrf = browser(app, user)
    stolen = dict(c.cookies)
    assert c.get("/api/v1/me").status_code == 200
    r = c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    replay = TestClient(app, cookies=stolen)
    assert replay.get("/api/v1/me").status_code == 401
    assert "/login" in replay.get("/account", follow_redirects=False).headers["location"]


def test_api_logout_revokes_the_token(client, factory):
    user = factory.user()
    headers = api_token(client, user)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_password_change_revokes_every_other_session_and_token(app, client, factory):
    user = factory.user()
    a, csrf_a = browser(app, user)
    b, _ = browser(app, user, UA_PHONE)
    old_token = api_token(client, user)
    r = a.post("/account/password", data={"csrf_token": csrf_a, "current": PASSWORD,
                                          "new": "brand-new-pass-1"})
    assert r.status_code == 200 and "其他设备已退出登录" in r.text
    assert a.get("/api/v1/me").status_code == 200  # the browser that changed it stays in
    assert b.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=old_token).status_code == 401
    # The old token cannot change the password back (it could before).
    r = client.post("/api/v1/me/password", headers=old_token,
                    json={"current": "brand-new-pass-1", "new": "another-pass-22"})
    assert r.status_code == 401


def test_api_password_change_keeps_the_token_used(client, factory):
    user = factory.user()
    first, second = api_token(client, user), api_token(client, user)
    r = client.post("/api/v1/me/password", headers=first,
                    json={"current": PASSWORD, "new": "brand-new-pass-1"})
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 200
    assert client.get("/api/v1/me", headers=second).status_code == 401


def test_my_devices_lists_them_and_signs_out_everywhere_else(app, client, factory):
    user = factory.user()
    laptop, csrf = browser(app, user)
    phone, _ = browser(app, user, UA_PHONE)
    token = api_token(client, user)
    html = laptop.get("/account").text
    assert "我的设备" in html and "Android · WeChat" in html and "Windows · Chrome" in html
    assert html.count('<li class="device') == 3 and "本机" in html and "应用令牌" in html
    listed = client.get("/api/v1/me/sessions", headers=token).json()
    assert sorted(d["kind"] for d in listed) == ["session", "session", "token"]
    assert [d["current"] for d in listed].count(True) == 1
    r = laptop.post("/account/devices/sign-out-others", data={"csrf_token": csrf})
    assert r.status_code == 200 and "其他设备已全部退出登录" in r.text
    assert laptop.get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert laptop.get("/account").text.count('<li class="device') == 1


def test_signing_out_one_device_and_not_someone_elses(app, client, factory):
    user, other = factory.user(), factory.user()
    laptop, csrf = browser(app, user)
    phone, _ = browser(app, user, UA_PHONE)
    mine = api_token(client, user)
    devices = client.get("/api/v1/me/sessions", headers=mine).json()
    phone_id = next(d["id"] for d in devices if "Android" in d["label"])
    theirs = api_token(client, other)
    assert client.delete(f"/api/v1/me/sessions/{phone_id}", headers=theirs).status_code == 404
    assert phone.get("/api/v1/me").status_code == 200
    r = laptop.post(f"/account/devices/{phone_id}/sign-out", data={"csrf_token": csrf})
    assert r.status_code == 200
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200


def test_the_secretary_signs_a_person_out_everywhere(app, client, factory, session):
    secretary, member = factory.secretary(), factory.user("Lost Phone")
    phone, _ = browser(app, member, UA_PHONE)
    token = api_token(client, member)
    # Not for anyone else.
    assert client.delete(f"/api/v1/users/{secretary.id}/sessions",
                         headers=token).status_code == 403
    desk, csrf = browser(app, secretary)
    page = desk.get(f"/roster/users/{member.id}").text
    assert "退出所有设备" in page
    r = desk.post(f"/roster/users/{member.id}/sign-out", data={"csrf_token": csrf})
    assert r.status_code == 200 and "已在所有设备上退出登录" in r.text
    assert phone.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=token).status_code == 401
    # And through the API.
    again = api_token(client, member)
    sec = api_token(client, secretary)
    assert client.delete(f"/api/v1/users/{member.id}/sessions", headers=sec).status_code == 204
    assert client.get("/api/v1/me", headers=again).status_code == 401
    actions = session.exec(select(AuditLog.action, AuditLog.actor_id).where(
        AuditLog.entity_id == member.id)).all()
    assert actions.count(("user.sign_out_everywhere", secretary.id)) == 2


def test_a_session_check_is_one_indexed_lookup_and_last_seen_is_written_rarely(
        app, factory, settings):
    user = factory.user()
    c, _ = browser(app, user)
    statements: list[str] = []
    engine = db.get_engine()

    def seen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert c.get("/account").status_code == 200  # the page reads the user several times
        lookups = [s for s in statements if "auth_session.key_hash = " in s]
        assert len(lookups) == 1, lookups
        assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
        statements.clear()
        with clock_at(utcnow() + timedelta(minutes=6)):
            assert c.get("/api/v1/me").status_code == 200
            assert len([s for s in statements if s.lstrip().upper().startswith(
                "UPDATE AUTH_SESSION")]) == 1
            statements.clear()
            assert c.get("/api/v1/me").status_code == 200
            assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    indexes = {ix["name"]: ix for ix in sa.inspect(engine).get_indexes("auth_session")}
    uniques = sa.inspect(engine).get_unique_constraints("auth_session")
    assert any(u["column_names"] == ["key_hash"] for u in uniques) or any(
        ix["column_names"] == ["key_hash"] and ix["unique"] for ix in indexes.values())


def test_an_old_session_expires_on_the_server(app, factory):
    user = factory.user()
    c, _ = browser(app, user)
    with clock_at(utcnow() + timedelta(days=15)):
        assert c.get("/api/v1/me").status_code == 401


def test_an_invalid_bearer_header_is_401_never_the_cookie(app, factory):
    user = factory.user()
    c, csrf = browser(app, user)
    for header in ("Bearer not-a-token", "Bearer", "bearer x.y.z"):
        r = c.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401, header
    # A state change with a bad bearer header and the cookie but no CSRF token: refused, and
    # nothing done (before, the cookie acted without its CSRF check).
    r = c.post("/api/v1/me/password", headers={"Authorization": "Bearer forged"},
               json={"current": PASSWORD, "new": "brand-new-pass-1"})
    assert r.status_code == 401
    assert c.get("/api/v1/me").status_code == 200
    other = TestClient(c.app)
    assert other.post("/api/v1/auth/token", json={"phone": user.phone,
                                                   "password": PASSWORD}).status_code == 200
    # A token revoked on the server is just as invalid, though its signature holds.
    headers = auth(user)
    with _scope() as s:
        s.execute(sa.update(AuthSession).values(revoked_at=utcnow()).where(
            AuthSession.kind == "token"))
    assert c.get("/api/v1/me", headers=headers).status_code == 401


def _scope():
    import contextlib

    return contextlib.contextmanager(db.session_scope)()


# -- live sockets: single-use tickets --------------------------------------------------------


@pytest.fixture
def meeting_id(client, factory, session, community):
    from meetingroom.models import Proposal

    secretary = factory.secretary()
    sponsor = factory.user("Sponsor")
    proposal = Proposal(community_id=community.id, sponsor_id=sponsor.id, title="Lift",
                        body="Why", principle="practical", draft_resolution="Do it.")
    session.add(proposal)
    session.commit()
    r = client.post("/api/v1/meetings", headers=auth(secretary), json={
        "kind": "work", "title": "Monthly", "starts_at": "2026-12-03T19:00:00+08:00",
        "location": "Room 1", "proposal_ids": [proposal.id]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _refused(client: TestClient, url: str) -> int:
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect(url):
        pass
    return exc.value.code


def test_a_socket_ticket_works_once_and_a_token_in_the_url_is_refused(client, factory,
                                                                      meeting_id):
    member = factory.user(seat="chair")
    headers = api_token(client, member)
    r = client.post("/api/v1/auth/ticket", headers=headers)
    assert r.status_code == 200 and r.json()["expires_in"] == 60
    url = f"/meetings/{meeting_id}/live.html?view=vote&ticket={r.json()['ticket']}"
    with client.websocket_connect(url) as ws:
        assert 'id="v-ballot"' in ws.receive_text()
    assert _refused(client, url) == 1008  # spent: a copy from a log opens nothing
    token = headers["Authorization"][7:]
    assert _refused(client, f"/meetings/{meeting_id}/live.html?view=vote&token={token}") == 1008
    assert _refused(client, f"/api/v1/meetings/{meeting_id}/live?token={token}") == 1008
    # A header is not logged: non-browser clients may use it instead.
    with client.websocket_connect(f"/meetings/{meeting_id}/live.html?view=vote",
                                  headers=headers) as ws:
        assert 'id="v-ballot"' in ws.receive_text()


def test_a_stale_ticket_is_refused(client, factory, meeting_id):
    member = factory.user(seat="chair")
    key = ticket(member)
    with clock_at(utcnow() + timedelta(seconds=61)):
        assert _refused(client, f"/meetings/{meeting_id}/live.html?view=vote&ticket={key}") \
            == 1008


def test_a_browser_socket_still_uses_its_cookie(app, factory, meeting_id):
    member = factory.user(seat="chair")
    c, _ = browser(app, member)
    with c.websocket_connect(f"/meetings/{meeting_id}/live.html?view=vote") as ws:
        assert 'id="v-ballot"' in ws.receive_text()


def test_resolve_many_answers_each_credential_as_resolve_does(app, factory):
    """A batch of ballots resolves its credentials in one query (credentials.resolve_many): the
    same answer per key as one resolve each — live, revoked, the wrong kind, unknown, empty."""
    from meetingroom.auth import credentials

    users = [factory.user() for _ in range(3)]
    with _scope() as s:
        keys = [credentials.issue(s, user_id=u.id, kind="token")[1] for u in users]
        _, session_key = credentials.issue(s, user_id=users[0].id, kind="session")
        revoked_row, revoked_key = credentials.issue(s, user_id=users[1].id, kind="token")
        revoked_row.revoked_at = utcnow()
    asked = [(keys[0], "token"), (keys[1], "token"), (session_key, "token"),
             (session_key, "session"), (revoked_key, "token"), ("no-such-key", "token"),
             ("", "token"), (keys[2], "token"), (keys[0], "token")]
    with _scope() as s:
        one_by_one = [credentials.resolve(s, key, kind) for key, kind in asked]
        with statements_run() as statements:
            together = credentials.resolve_many(s, asked)
    assert len(statements) == 1
    assert [f and f[1].id for f in together] == [f and f[1].id for f in one_by_one] == [
        users[0].id, users[1].id, None, users[0].id, None, None, None, users[2].id, users[0].id]


def test_touch_many_writes_last_seen_of_every_due_credential_in_one_update(app, factory):
    from meetingroom.auth import credentials

    users = [factory.user() for _ in range(4)]
    with _scope() as s:
        rows = [credentials.issue(s, user_id=u.id, kind="token")[0] for u in users]
    ids = [r.id for r in rows]
    old = utcnow() - timedelta(minutes=10)
    with _scope() as s:  # three of them last seen ten minutes ago, one just now
        s.execute(sa.update(AuthSession).where(AuthSession.id.in_(ids[:3]))
                  .values(last_seen_at=old))
    with statements_run() as statements:
        for session in db.session_scope(write=True):
            loaded = session.exec(select(AuthSession).where(AuthSession.id.in_(ids))).all()
            credentials.touch_many(session, loaded)
    assert len([s for s in statements if s.lstrip().upper().startswith(
        "UPDATE AUTH_SESSION")]) == 1
    with _scope() as s:
        seen_at = dict(s.execute(select(AuthSession.id, AuthSession.last_seen_at)
                                 .where(AuthSession.id.in_(ids))).all())
    assert all(seen_at[i].replace(tzinfo=None) > old.replace(tzinfo=None) + timedelta(minutes=9)
               for i in ids[:3])
