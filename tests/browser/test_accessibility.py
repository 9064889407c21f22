"""axe-core on the residents' pages at 360 px in large type (issue 13 §3): no serious or
critical violation, label-content-name-mismatch (the language button) included."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import DEMO, login

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations'],
    rules: {'label-content-name-mismatch': {enabled: true}}});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def violations(page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


def test_resident_pages_have_no_serious_axe_violation(live_server, new_page):
    # bypass_csp: the app allows only its own scripts; axe is injected for the test alone.
    page = new_page({"width": 360, "height": 740}, bypass_csp=True)
    page.context.add_cookies([{"name": "mr_large", "value": "1", "url": live_server.url}])
    found = {}
    for path in ("/", "/login"):
        found[path] = violations(page, live_server.url + path)
    login(page, live_server.url, DEMO["resident"])
    for path in ("/", "/me", "/notifications", "/suggestions", "/suggestions/new",
                 "/resolutions"):
        found["resident " + path] = violations(page, live_server.url + path)
    serious = {p: [v for v in vs if v["impact"] in ("serious", "critical")]
               for p, vs in found.items()}
    assert all(not vs for vs in serious.values()), serious
    mismatch = [p for p, vs in found.items()
                if any(v["id"] == "label-content-name-mismatch" for v in vs)]
    assert mismatch == []
