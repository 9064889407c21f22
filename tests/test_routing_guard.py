"""Routing walks only the routers that can hold a request's path (routes.GuardedInclude, issue 11
§4): FastAPI matched /healthz by trying all ~270 routes, twice over. The guard must never turn
away a path one of its routes matches."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, _IncludedRouter  # pyright: ignore[reportPrivateUsage]
from starlette.routing import Match

from meetingroom.routes import GuardedInclude


def _concrete(path: str) -> str:
    """A path that the template matches: every {param} (or {param:path}) filled in."""
    return re.sub(r"\{[^}:]+(:path)?\}", lambda m: "a/b" if m.group(1) else "1", path)


def _scope(app, path: str, kind: str, method: str = "GET") -> dict:
    return {"type": kind, "method": method, "path": path, "root_path": "", "headers": [],
            "query_string": b"", "app": app}


def test_every_route_is_still_found_and_the_guard_agrees_with_fastapi(app):
    included = [r for r in app.router.routes if isinstance(r, _IncludedRouter)]
    assert included and all(isinstance(r, GuardedInclude) for r in included)
    paths = []
    for inc in included:
        for context in inc.effective_route_contexts():
            route = context.starlette_route or context
            kind = "http" if isinstance(context.original_route, APIRoute) else "websocket"
            paths.append((_concrete(route.path), kind))
    assert len(paths) > 200
    # Each route's own path, plus paths near them that must stay no-match or redirect.
    probes = paths + [(p + "/", k) for p, k in paths] + [(p.rstrip("1") + "x/y", k)
                                                        for p, k in paths]
    found = 0
    for path, kind in probes:
        for inc in included:
            scope = _scope(app, path, kind)
            guarded = GuardedInclude.matches(inc, dict(scope))
            plain = _IncludedRouter.matches(inc, dict(scope))
            assert guarded[0] == plain[0], (path, inc.original_router)
            found += guarded[0] is not Match.NONE
    assert found >= len(paths)


@pytest.fixture
def route_matches(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = APIRoute.matches

    def counting(self, scope):
        calls.append(self.path)
        return real(self, scope)

    monkeypatch.setattr(APIRoute, "matches", counting)
    return calls


@pytest.mark.parametrize("path", ["/healthz", "/", "/suggestions"])
def test_a_request_tries_few_routes(client, route_matches, path):
    client.get(path)
    route_matches.clear()
    assert client.get(path).status_code == 200
    # Without the guard: 200–540 (every route before it, twice over).
    assert len(route_matches) < 40, len(route_matches)


def test_unknown_paths_and_trailing_slashes_behave_as_before(client):
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/api/v1/no-such-thing").status_code == 404
    r = client.get("/healthz/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].endswith("/healthz")
    r = client.options("/api/v1/suggestions")
    assert r.status_code == 204 and "GET" in r.headers["allow"] and "POST" in r.headers["allow"]
