"""The check-in QR code: valid SVG whose modules are exactly the QR code of the meeting's absolute
check-in URL (read back from the SVG path), built from the request's base URL behind a proxy."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import segno
from fastapi.testclient import TestClient
from starlette.requests import Request

from meetingroom.meetings.record_web import checkin_url
from meetingroom.models import Community, Meeting

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def meeting(session, community):
    m = Meeting(community_id=community.id, kind="work", title="M", starts_at=datetime.now(UTC))
    session.add(m)
    session.commit()
    return m


def modules(svg: bytes) -> tuple[list[list[bool]], ET.Element]:
    """Decode segno's SVG: a light background and one stroked path of horizontal runs
    ("M x y h n m dx dy h n …", in module units under a scale transform), back into a matrix
    of dark modules, quiet zone included."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output; raises unless well-formed XML
    size = int(root.get("width"))
    scale = int(re.fullmatch(r"scale\((\d+)\)", root.find(f"{SVG_NS}g").get("transform"))[1])
    n = size // scale
    matrix = [[False] * n for _ in range(n)]
    path = next(p for p in root.iter(f"{SVG_NS}path") if p.get("stroke"))
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([-\d.\s]+)", path.get("d")):
        nums = [float(v) for v in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            length = nums[0] if cmd == "h" else nums[0] - x
            for col in range(int(x), int(x + length)):
                matrix[int(y)][col] = True
            x += length
    return matrix, root


def test_svg_encodes_the_absolute_checkin_url(client, meeting):
    r = client.get(f"/meetings/{meeting.id}/checkin-qr.svg")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    matrix, root = modules(r.content)
    url = f"http://testserver/meetings/{meeting.id}/checkin"
    expected = segno.make(url, error="m", micro=False)
    assert expected.error in ("M", "Q", "H")  # at least level M, to survive a projector
    quiet = 4
    want = [[bool(v) for v in row] for row in expected.matrix_iter(scale=1, border=quiet)]
    assert matrix == want
    # Dark on light, with the quiet zone light, big enough to read across a room.
    background = next(p for p in root.iter(f"{SVG_NS}path") if p.get("fill"))
    assert background.get("fill").lower() in ("#fff", "#ffffff")
    stroke = next(p for p in root.iter(f"{SVG_NS}path") if p.get("stroke")).get("stroke")
    assert stroke.lower() in ("#000", "#000000")
    assert not any(matrix[0]) and not any(row[0] for row in matrix)
    assert int(root.get("width")) >= 300
    # Never encodes anything else, e.g. another meeting's URL.
    other = segno.make(f"http://testserver/meetings/{meeting.id + 1}/checkin", error="m",
                       micro=False)
    assert matrix != [[bool(v) for v in row] for row in other.matrix_iter(scale=1, border=4)]


def test_cacheable_with_an_etag(client, meeting):
    r = client.get(f"/meetings/{meeting.id}/checkin-qr.svg")
    # Without MEETINGROOM_PUBLIC_URL the link comes from the Host header: browser cache only.
    assert r.headers["cache-control"] == "private, max-age=86400"
    etag = r.headers["etag"]
    again = client.get(f"/meetings/{meeting.id}/checkin-qr.svg",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_checkin_url_follows_the_request_base_url():
    scope = {"type": "http", "scheme": "https", "server": ("meet.example.org", 443),
             "root_path": "/mr", "path": "/mr/meetings/7/checkin-qr.svg", "query_string": b"",
             "headers": [(b"host", b"meet.example.org")]}
    assert checkin_url(Request(scope), 7) == "https://meet.example.org/mr/meetings/7/checkin"


def test_behind_a_proxy_the_code_holds_the_public_https_url(app, settings, meeting):
    """The app's trusted-proxy middleware rewrites the scheme from X-Forwarded-Proto when the
    peer is in MEETINGROOM_TRUSTED_PROXIES; the proxy passes the public Host on."""
    settings.trusted_proxies = "127.0.0.1"
    proxied = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40000))
    r = proxied.get(f"/meetings/{meeting.id}/checkin-qr.svg",
                    headers={"Host": "meet.example.org", "X-Forwarded-Proto": "https",
                             "X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 200
    matrix, _root = modules(r.content)
    url = f"https://meet.example.org/meetings/{meeting.id}/checkin"
    assert matrix == [[bool(v) for v in row] for row in
                      segno.make(url, error="m", micro=False).matrix_iter(scale=1, border=4)]


def test_unknown_or_foreign_meeting_is_not_found(client, session, meeting):
    other = Community(name="和平社区", slug="heping")
    session.add(other)
    session.flush()
    foreign = Meeting(community_id=other.id, kind="work", title="F", starts_at=datetime.now(UTC))
    session.add(foreign)
    session.commit()
    assert client.get(f"/meetings/{foreign.id}/checkin-qr.svg").status_code == 404
    assert client.get("/meetings/999999/checkin-qr.svg").status_code == 404
