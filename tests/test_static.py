"""The vendored htmx is the pinned 4.0.1 build, served locally with its licence; no CDN."""

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "meetingroom" / "static"
VENDOR = STATIC / "vendor" / "htmx-4.0.1"


def test_vendored_files_match_the_recorded_sha256():
    note = (VENDOR / "VERSION.md").read_text()
    recorded = dict(re.findall(r"\| (\S+\.js) \| ([0-9a-f]{64}) \|", note))
    assert set(recorded) == {"htmx.min.js", "hx-ws.min.js"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "Zero-Clause BSD" in (VENDOR / "LICENSE").read_text()
    assert "4.0.1" in note


def test_pages_load_scripts_only_from_this_site(client):
    html = client.get("/").text
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/vendor/htmx-4.0.1/htmx.min.js" in sources
    assert all(s.startswith("/static/") for s in sources)
    assert client.get("/static/vendor/htmx-4.0.1/htmx.min.js").status_code == 200


def test_responses_are_compressed_and_carry_security_headers(client):
    r = client.get("/static/app.css", headers={"Accept-Encoding": "br"})
    assert r.headers["content-encoding"] == "br"
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_api_docs_are_served_without_a_cdn(client):
    html = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/swagger/swagger-ui-bundle.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/swagger/swagger-ui.css").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/items/{item_id}/ballots" in spec["paths"]
    assert spec["info"]["title"] == "meetingroom"


def test_a_favicon_so_first_visits_log_no_404(client):
    html = client.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg"' in html
    r = client.get("/favicon.ico", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/static/favicon.svg"
    r = client.get("/static/favicon.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")


def test_the_language_button_is_named_by_what_it_shows(client):
    """axe-core label-content-name-mismatch: an aria-label that does not contain the visible
    text ("EN" named "Switch to English") fails speech users. The name must start with it."""
    for lang, visible in (("zh_CN", "EN"), ("en", "中文")):
        client.cookies.set("mr_lang", lang)
        html = client.get("/").text
        button = re.search(r'<button[^>]*name="lang"[^>]*>(.*?)</button>', html, re.S)
        assert button and "aria-label" not in button.group(0)
        name = re.sub(r"<[^>]+>", "", button.group(1)).strip()
        assert name.startswith(visible) and len(name) > len(visible)
