"""Headers and links (issue 12): absolute links from MEETINGROOM_PUBLIC_URL whatever Host says,
never cached publicly when built from the Host; CSP connect-src limited to the app's own origin;
HSTS over HTTPS."""

from __future__ import annotations

import pytest
import segno
from fastapi.testclient import TestClient

from meetingroom.models import Meeting
from meetingroom.settings import Settings
from tests.conftest import login
from tests.meetings.test_qr import modules


@pytest.fixture
def meeting(session, community):
    from datetime import UTC, datetime

    m = Meeting(community_id=community.id, kind="work", title="M",
                starts_at=datetime(2030, 1, 1, tzinfo=UTC))
    session.add(m)
    session.commit()
    return m


def qr_url_matches(content: bytes, url: str) -> bool:
    matrix, _root = modules(content)
    return matrix == [[bool(v) for v in row] for row in
                      segno.make(url, error="m", micro=False).matrix_iter(scale=1, border=4)]


def test_public_url_setting_takes_an_origin_only():
    assert Settings(public_url="https://yt.example.org/", _env_file=None).public_url == \
        "https://yt.example.org"
    for bad in ("yt.example.org", "ftp://x.org", "https://x.org/path", "https://u:p@x.org"):
        with pytest.raises(ValueError):
            Settings(public_url=bad, _env_file=None)


def test_a_forged_host_never_reaches_the_qr_code(client, settings, meeting):
    settings.public_url = "https://yiting.example.org"
    r = client.get(f"/meetings/{meeting.id}/checkin-qr.svg", headers={"Host": "evil.example"})
    assert r.status_code == 200
    assert qr_url_matches(r.content, f"https://yiting.example.org/meetings/{meeting.id}/checkin")
    assert r.headers["cache-control"] == "public, max-age=86400"  # safe to share now


def test_without_a_public_url_the_served_origin_is_used_and_never_cached_publicly(client,
                                                                               meeting):
    r = client.get(f"/meetings/{meeting.id}/checkin-qr.svg", headers={"Host": "evil.example"})
    assert qr_url_matches(r.content, f"http://evil.example/meetings/{meeting.id}/checkin")
    assert "public" not in r.headers["cache-control"]
    assert r.headers["cache-control"].startswith("private")


def test_the_csv_export_links_to_the_public_url(client, settings):
    settings.public_url = "https://yiting.example.org"
    r = client.get("/resolutions.csv", headers={"Host": "evil.example"})
    assert r.status_code == 200
    assert "evil.example" not in r.text


def test_csp_connect_src_is_the_apps_own_origin(client, settings):
    csp = client.get("/").headers["content-security-policy"]
    connect = next(d for d in csp.split("; ") if d.startswith("connect-src"))
    assert connect == "connect-src 'self' wss://testserver ws://testserver"
    # A Host header that is not a plain host name is never echoed into the header.
    csp = client.get("/", headers={"Host": "a.example; script-src *"}).headers.get(
        "content-security-policy", "")
    assert "script-src *" not in csp
    settings.public_url = "https://yiting.example.org"
    csp = client.get("/", headers={"Host": "evil.example"}).headers["content-security-policy"]
    connect = next(d for d in csp.split("; ") if d.startswith("connect-src"))
    assert connect == "connect-src 'self' wss://yiting.example.org"


def test_hsts_only_over_https(app, settings):
    plain = TestClient(app, base_url="http://testserver")
    assert "strict-transport-security" not in plain.get("/healthz").headers
    secure = TestClient(app, base_url="https://testserver")
    assert secure.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"
    # Behind a trusted proxy that terminates TLS.
    settings.trusted_proxies = "127.0.0.1"
    proxied = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40000))
    r = proxied.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert r.headers["strict-transport-security"] == "max-age=31536000"


def test_with_a_public_url_a_forged_host_cannot_post_forms(client, settings, factory):
    """DNS rebinding: a page on another name that resolves here sends its own Host and Origin;
    with a public URL configured, only that origin may post."""
    user = factory.user()
    csrf = login(client, user)
    settings.public_url = "http://yiting.example.org"
    r = client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf},
                    headers={"Host": "evil.example", "Origin": "http://evil.example"},
                    follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf},
                    headers={"Origin": "http://yiting.example.org"}, follow_redirects=False)
    assert r.status_code == 303
