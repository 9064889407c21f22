"""Page weight: the bytes a resident's phone downloads for a first visit, measured in Chromium.

    python bench/page_weight.py                      # starts its own server (demo data)
    python bench/page_weight.py --url http://127.0.0.1:8000 --json bench/results/weight.json

Each page in `PAGES` is loaded in a fresh browser context (empty cache, no cookies; a
`login=` page first logs a demo person in, in that context, and then starts counting), at phone
size, in Debian's Chromium through Playwright. The weight is the sum over every response of the
page's load (document, CSS, scripts, images, favicon) of CDP's `Network.loadingFinished`
`encodedDataLength`: the bytes on the wire, compressed, headers included. The load ends at
network idle. Every text response (HTML, CSS, JS, JSON, SVG) larger than the app's compression
threshold (500 bytes) must say `content-encoding: br` or `gzip`; the script lists those that do
not and fails. Budget: 60 KB per first load (DESIGN.md).

Adding a page is one line in `PAGES`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

try:  # python bench/page_weight.py, or python -m bench.page_weight
    from app_server import DEMO, DEMO_PASSWORD, AppServer
except ImportError:  # pragma: no cover
    from bench.app_server import DEMO, DEMO_PASSWORD, AppServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
BUDGET_KB = 60
COMPRESS_MIN_BYTES = 500  # compression.MINIMUM_SIZE (meetingroom/compression.py)
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/xml")

# (name, path, demo role to log in as first, or None for an anonymous visitor)
PAGES: list[tuple[str, str, str | None]] = [
    ("home", "/", None),
    ("login", "/login", None),
    ("suggestion form", "/suggestions/new", "resident"),
]


def weigh(browser, base_url: str, path: str, login: str | None) -> dict[str, Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    try:
        page = context.new_page()
        if login:
            page.goto(f"{base_url}/login")
            page.fill("#f-phone", DEMO[login])
            page.fill("#f-password", DEMO_PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_load_state("networkidle")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # A first visit: nothing from the cache (the login above may have cached CSS/JS).
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        responses: dict[str, dict] = {}
        finished: dict[str, int] = {}

        def on_response(params: dict) -> None:
            r = params["response"]
            headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
            responses[params["requestId"]] = {
                "url": r["url"].removeprefix(base_url), "status": r["status"],
                "type": r.get("mimeType", ""), "encoding": headers.get("content-encoding", ""),
                "length": int(headers["content-length"]) if "content-length" in headers
                else None}

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished",
               lambda p: finished.__setitem__(p["requestId"], int(p["encodedDataLength"])))
        page.goto(f"{base_url}{path}", wait_until="networkidle")
        page.wait_for_timeout(300)  # late loadingFinished events
        items = []
        for rid, info in responses.items():
            items.append({**info, "bytes": finished.get(rid, 0)})
        items.sort(key=lambda i: -i["bytes"])
        uncompressed = [
            i for i in items if i["type"].startswith(TEXT_TYPES)
            and i["encoding"] not in ("br", "gzip")
            and (i["length"] is None or i["length"] >= COMPRESS_MIN_BYTES)
            and i["bytes"] >= COMPRESS_MIN_BYTES]
        total = sum(i["bytes"] for i in items)
        return {"path": path, "login": login, "total_bytes": total,
                "total_kb": round(total / 1024, 1), "requests": len(items),
                "uncompressed": [i["url"] for i in uncompressed], "items": items}
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="first-load page weight in Chromium")
    p.add_argument("--url", help="measure a running server instead of starting one "
                                 "(it needs the demo data for pages with a login)")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    server = None if args.url else AppServer().start()
    base_url = args.url.rstrip("/") if args.url else server.url
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                         headless=True)
            try:
                for name, path, login in PAGES:
                    results.append({"name": name, **weigh(browser, base_url, path, login)})
            finally:
                browser.close()
    finally:
        if server is not None:
            server.stop()

    status = 0
    print(f"first-load weight in Chromium (compressed bytes on the wire), budget {BUDGET_KB} KB")
    for r in results:
        verdict = "ok" if r["total_kb"] <= BUDGET_KB else "OVER BUDGET"
        print(f"\n{r['name']} {r['path']}: {r['total_kb']} KB in {r['requests']} responses "
              f"({r['total_kb'] / BUDGET_KB:.0%} of budget) {verdict}")
        for i in r["items"]:
            print(f"  {i['bytes']:>7} B  {i['encoding'] or '-':<5} {i['status']}  "
                  f"{i['type']:<24} {i['url']}")
        if r["uncompressed"]:
            print(f"  NOT COMPRESSED: {', '.join(r['uncompressed'])}")
            status = 1
        if r["total_kb"] > BUDGET_KB:
            status = 1
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"date": time.strftime("%Y-%m-%d %H:%M %z"), "budget_kb": BUDGET_KB,
             "pages": results}, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
