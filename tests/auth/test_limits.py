"""Login limits (issue 9 §1): a whole room logs in from one address; guessing still hits 429;
X-Forwarded-For counts only from trusted proxies; two servers share the counts through Redis."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from meetingroom.auth.ratelimit import forwarded_client, parse_networks
from meetingroom.models import Proposal
from meetingroom.settings import Settings
from tests.conftest import PASSWORD, csrf_of
from tests.servers import ServerProcess

WRONG = "not-the-password-1"


def _token(client: TestClient, phone: str, password: str = PASSWORD, **headers: str):
    return client.post("/api/v1/auth/token", json={"phone": phone, "password": password},
                       headers=headers)


def test_thirty_members_log_in_from_one_address_within_a_minute_and_vote(
        client, factory, session, community):
    """The room's Wi-Fi is one address: every member logs in (the old limiter refused the 11th),
    then everyone votes with the token the login gave."""
    members = factory.committee(30)
    secretary = factory.secretary()
    sponsor = factory.user("Sponsor")
    proposal = Proposal(community_id=community.id, sponsor_id=sponsor.id, title="Lift",
                        body="Why: lift", principle="practical", draft_resolution="Install it.")
    session.add(proposal)
    session.commit()
    started = time.monotonic()
    tokens = {}
    for member in [secretary, *members]:
        r = _token(client, member.phone)
        assert r.status_code == 200, (member.name, r.status_code, r.text)
        tokens[member.id] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert time.monotonic() - started < 60
    sec = tokens[secretary.id]
    r = client.post("/api/v1/meetings", headers=sec, json={
        "kind": "work", "title": "Monthly meeting", "starts_at": "2026-12-03T19:00:00+08:00",
        "location": "Room 1", "proposal_ids": [proposal.id]})
    assert r.status_code == 201, r.text
    meeting_id, item = r.json()["id"], r.json()["agenda"][0]["id"]
    for member in members:
        r = client.post(f"/api/v1/meetings/{meeting_id}/attendance", headers=tokens[member.id])
        assert r.status_code == 200, r.text
    assert client.post(f"/api/v1/meetings/{meeting_id}/open", headers=sec).status_code == 200
    r = client.post(f"/api/v1/items/{item}/vote/open", headers=sec, json={"secret": False})
    assert r.status_code == 200, r.text
    for member in members:
        r = client.post(f"/api/v1/items/{item}/ballots", headers=tokens[member.id],
                        json={"choice": "agree"})
        assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/items/{item}/tally").json()["agree"] == 30


def test_thirty_logins_through_the_login_page_from_one_address(app, factory):
    """The same through the HTML form, each phone its own browser, one address."""
    members = [factory.user() for _ in range(30)]
    for member in members:
        with TestClient(app) as browser:
            token = csrf_of(browser, "/login")
            r = browser.post("/login", data={"phone": member.phone, "password": PASSWORD,
                                             "csrf_token": token, "next": "/"},
                             follow_redirects=False)
            assert r.status_code == 303, r.text


def test_six_wrong_passwords_on_one_phone_give_429_while_a_neighbour_logs_in(client, factory):
    victim, neighbour = factory.user(), factory.user()
    for _ in range(5):
        r = _token(client, victim.phone, WRONG)
        assert r.status_code == 401, r.text
    r = _token(client, victim.phone, WRONG)
    assert r.status_code == 429
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= 15 * 60
    assert r.json()["detail"] == f"失败次数过多，请在 {-(-retry // 60)} 分钟后再试。"
    # Even the right password waits now: guessing must not learn anything from the answer.
    assert _token(client, victim.phone).status_code == 429
    # Someone else on the same address is not affected.
    assert _token(client, neighbour.phone).status_code == 200
    r = client.post("/api/v1/auth/token", json={"phone": victim.phone, "password": PASSWORD},
                    headers={"Accept-Language": "en"})
    assert r.status_code == 429
    assert r.json()["detail"].startswith("Too many failed attempts. Try again in ")


def test_the_login_page_says_when_to_retry(client, factory):
    user = factory.user()
    token = csrf_of(client, "/login")
    for expected in [401] * 5 + [429]:
        r = client.post("/login", data={"phone": user.phone, "password": WRONG,
                                        "csrf_token": token, "next": "/"},
                        follow_redirects=False)
        assert r.status_code == expected
    assert "失败次数过多" in r.text and "分钟后再试" in r.text
    assert int(r.headers["Retry-After"]) > 0


def test_other_peoples_mistakes_do_not_lock_out_a_correct_password(client, factory):
    """Several members mistype on the room's address: the ceiling per address is far above."""
    members = [factory.user() for _ in range(6)]
    for member in members:
        for _ in range(4):
            assert _token(client, member.phone, WRONG).status_code == 401
    for member in members:
        assert _token(client, member.phone).status_code == 200


def test_many_phones_from_one_address_hit_the_address_ceiling(client, factory, settings):
    settings.login_failures_per_address = (8, 600)
    for n in range(8):
        assert _token(client, f"1380000{n:04d}", WRONG).status_code == 401
    assert _token(client, "13800009999", WRONG).status_code == 429


def test_rotating_x_forwarded_for_from_an_untrusted_client_still_gets_429(client, factory,
                                                                          settings):
    settings.login_failures_per_address = (8, 600)
    user = factory.user()
    for n in range(5):
        assert _token(client, user.phone, WRONG,
                      **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 401
    assert _token(client, user.phone, WRONG,
                  **{"X-Forwarded-For": "198.51.100.77"}).status_code == 429
    # The address ceiling cannot be dodged either, even with a proxy list configured.
    settings.trusted_proxies = "10.0.0.0/8"
    for n in range(3):  # five already counted above
        assert _token(client, f"1380000{n:04d}", WRONG,
                      **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code == 401
    assert _token(client, "13800009999", WRONG,
                  **{"X-Forwarded-For": "192.0.2.200"}).status_code == 429


def test_x_forwarded_for_from_a_trusted_proxy_separates_clients(app, factory, settings):
    settings.trusted_proxies = "10.0.0.0/8"
    settings.login_failures_per_address = (3, 600)
    proxy = TestClient(app, client=("10.1.2.3", 40000))
    for n in range(3):
        r = _token(proxy, f"1380000{n:04d}", WRONG,
                    **{"X-Forwarded-For": "1.1.1.1, 198.51.100.7, 10.9.9.9"})
        assert r.status_code == 401
    # The rightmost untrusted hop was 198.51.100.7: it is full; the spoofed "1.1.1.1" is not
    # what counted, and another client behind the same proxy is untouched.
    assert _token(proxy, "13800009999", WRONG,
                  **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert _token(proxy, "13800009999", WRONG,
                  **{"X-Forwarded-For": "198.51.100.8"}).status_code == 401


def test_forwarded_client_takes_the_rightmost_untrusted_hop():
    nets = parse_networks("127.0.0.1, 172.16.0.0/12, ::1")
    assert forwarded_client("127.0.0.1", ["6.6.6.6, 203.0.113.5"], nets) == "203.0.113.5"
    assert forwarded_client("127.0.0.1", ["6.6.6.6, 203.0.113.5, 172.18.0.1"], nets) \
        == "203.0.113.5"
    assert forwarded_client("127.0.0.1", ["6.6.6.6", "203.0.113.5"], nets) == "203.0.113.5"
    assert forwarded_client("198.51.100.1", ["6.6.6.6"], nets) == "198.51.100.1"
    assert forwarded_client("127.0.0.1", [], nets) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["6.6.6.6"], ()) == "127.0.0.1"


def test_trusted_proxies_setting_refuses_a_wildcard_and_garbage():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings(trusted_proxies="*", _env_file=None)
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings(trusted_proxies="proxy.local", _env_file=None)
    assert Settings(_env_file=None).trusted_networks == ()


def test_https_from_a_trusted_proxy_marks_the_cookie_secure(app, factory, settings):
    user = factory.user()
    settings.trusted_proxies = "127.0.0.1"
    behind = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40000))
    token = csrf_of(behind, "/login")
    r = behind.post("/login", data={"phone": user.phone, "password": PASSWORD,
                                    "csrf_token": token, "next": "/"},
                    headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Secure" in r.headers["set-cookie"]
    settings.trusted_proxies = ""
    direct = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40001))
    token = csrf_of(direct, "/login")
    r = direct.post("/login", data={"phone": user.phone, "password": PASSWORD,
                                    "csrf_token": token, "next": "/"},
                    headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
    assert r.status_code == 303
    assert "Secure" not in r.headers["set-cookie"]


@pytest.mark.services
def test_two_servers_share_failure_counts_through_redis(tmp_path, redis_url):
    """Two `meetingroom serve` processes on one database and one Redis: failures counted by A
    are seen by B (in-process memory would let each allow five)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    env = {"MEETINGROOM_DATABASE_URL": f"sqlite:///{shared / 'meetingroom.db'}",
           "MEETINGROOM_BROADCAST_URL": redis_url,
           "MEETINGROOM_SECRET_KEY": f"limits-test-{uuid.uuid4().hex}"}
    a = ServerProcess(tmp_path / "a", env=env)
    b = ServerProcess(tmp_path / "b", env=env)
    phone = "13900000001"
    subprocess.run([sys.executable, "-m", "meetingroom", "user", "add", "--phone", phone,
                    "--name", "Member", "--password", PASSWORD],
                   env=a.env, check=True, capture_output=True, timeout=120)
    try:
        a.start()
        b.start()

        def attempt(server: ServerProcess, password: str = WRONG) -> int:
            with httpx.Client(base_url=server.url, timeout=30) as c:
                return c.post("/api/v1/auth/token",
                              json={"phone": phone, "password": password}).status_code

        assert [attempt(a), attempt(b), attempt(a), attempt(b), attempt(a)] == [401] * 5
        assert attempt(b) == 429
        assert attempt(a, PASSWORD) == 429
    finally:
        a.stop()
        b.stop()
    for server in (a, b):
        assert "Traceback" not in server.log.read_text()
