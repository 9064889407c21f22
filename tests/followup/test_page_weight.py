"""Every resident page's first load is at most 30 KB compressed (issue 13 §3): the page, its
stylesheets, scripts and icon, brotli-compressed as the app sends them (meetingroom.compression:
quality 1 for pages, 4 for static files) plus a few hundred bytes of headers each.
`bench/page_weight.py` measures the same in Chromium; this test keeps the budget from creeping
back."""

from __future__ import annotations

import re

import brotli

from meetingroom.compression import brotli_quality
from tests.conftest import login

BUDGET = 30 * 1024
HEADERS = 300  # a response's headers on the wire, generously
STAFF_SHEETS = ("/static/meetings.css", "/static/staff.css", "/static/record.css")


def first_load(client, path: str) -> tuple[int, list[str]]:
    """Compressed bytes of the page and everything it loads, and the assets' paths."""
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    assets = re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', r.text)
    assets += re.findall(r'<script src="([^"]+)"', r.text)
    total = len(brotli.compress(r.content, quality=brotli_quality(path))) + HEADERS
    for asset in assets:
        body = client.get(asset).content
        total += len(brotli.compress(body, quality=brotli_quality(asset))) + HEADERS
    return total, assets


def test_every_resident_page_loads_in_30_kb(client, chain, factory):
    m = chain.matter()
    resident = m.author
    pages = ["/", "/login", "/suggestions", f"/suggestions/{m.suggestion.id}", "/resolutions",
             f"/resolutions/{m.resolution.id}", f"/matters/{m.proposal.id}"]
    weights = {p: first_load(client, p) for p in pages}
    login(client, resident)
    for p in ("/", "/suggestions/new", "/notifications", "/me", f"/suggestions/{m.suggestion.id}",
              f"/resolutions/{m.resolution.id}"):
        weights["resident " + p] = first_load(client, p)
    for page, (weight, assets) in weights.items():
        assert weight <= BUDGET, f"{page}: {weight} bytes > {BUDGET}"
        assert not set(assets) & set(STAFF_SHEETS), (page, assets)  # staff styles stay out


def test_staff_sheets_load_where_they_are_used(client, chain, factory):
    login(client, factory.secretary())
    for path, sheet in (("/dashboard", "/static/staff.css"), ("/roster", "/static/staff.css"),
                        ("/meetings/new", "/static/meetings.css"),
                        ("/settings", "/static/record.css")):
        _weight, assets = first_load(client, path)
        assert sheet in assets, (path, assets)
